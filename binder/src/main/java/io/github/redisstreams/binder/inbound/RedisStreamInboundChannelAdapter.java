package io.github.redisstreams.binder.inbound;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.AttributeAccessor;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.integration.core.Pausable;
import org.springframework.integration.endpoint.MessageProducerSupport;
import org.springframework.integration.support.ErrorMessageStrategy;
import org.springframework.integration.support.ErrorMessageUtils;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.support.ErrorMessage;
import org.springframework.scheduling.TaskScheduler;

import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.idempotency.IdempotencyGuard;
import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.partitioning.PartitionBalancer;
import io.github.redisstreams.binder.provisioning.RedisStreamProvisioner;
import io.github.redisstreams.binder.recovery.DeliveryFailureHandler;
import io.github.redisstreams.binder.recovery.PendingEntryUpdates;
import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.PayloadQuoting;

/**
 * The consumer endpoint of a binding: adapts what its {@link StreamConsumerContainer} delivers to the
 * binding's channels. The container runs the consumers; this class only sends messages and failures on.
 * <p>
 * Messages go to the binding's channel on the consumer's thread. A delivery whose handler still fails after
 * the in-process retries is published to the binding's error channel (where Spring Integration logs
 * it) and then settled by the {@link DeliveryFailureHandler}, unless an application error handler took
 * it.
 */
public class RedisStreamInboundChannelAdapter extends MessageProducerSupport
		implements DeliveryTarget, ConsumerBindingView, Pausable {

	private static final Log logger = LogFactory.getLog(RedisStreamInboundChannelAdapter.class);

	private final ConsumerSettings settings;

	private final BindingConsumers container;

	private MessageChannel failureChannel;

	private ErrorMessageStrategy failureMessageStrategy;

	private RedisStreamBindingRegistry bindingRegistry;

	/**
	 * @param idempotency the duplicate check, or null when the binding has none
	 * @param pendingUpdates changes the binding's pending entries (leases, hand-backs)
	 */
	public RedisStreamInboundChannelAdapter(ConsumerSettings settings, RedisStreamConnections connections,
			RedisStreamProvisioner provisioner, EntryCodec codec, RetryTemplate retryTemplate,
			DeliveryFailureHandler failures, IdempotencyGuard idempotency, TaskScheduler scheduler,
			ConsumerMetrics metrics, PendingEntryUpdates pendingUpdates) {
		this.settings = settings;
		this.container = new StreamConsumerContainer(settings, connections, provisioner, codec, retryTemplate,
				failures, idempotency, scheduler, metrics, pendingUpdates, this);
	}

	/**
	 * An adapter whose consumers are made elsewhere, e.g. those of partitions shared dynamically.
	 * @param consumers makes the consumers that deliver to the given target (this adapter)
	 */
	public RedisStreamInboundChannelAdapter(ConsumerSettings settings,
			Function<DeliveryTarget, BindingConsumers> consumers) {
		this.settings = settings;
		this.container = consumers.apply(this);
	}

	/**
	 * Where failed deliveries are published, with the strategy that builds their error messages.
	 * @param channel the binding's error channel
	 * @param strategy builds the error message
	 */
	public void setFailureChannel(MessageChannel channel, ErrorMessageStrategy strategy) {
		this.failureChannel = channel;
		this.failureMessageStrategy = strategy;
	}

	/**
	 * Where the binding registers itself while it runs.
	 * @param bindingRegistry the registry, or null
	 */
	public void setBindingRegistry(RedisStreamBindingRegistry bindingRegistry) {
		this.bindingRegistry = bindingRegistry;
	}

	public ConsumerSettings getSettings() {
		return this.settings;
	}

	@Override
	public String bindingName() {
		return this.settings.bindingName();
	}

	@Override
	public String stream() {
		return this.settings.stream();
	}

	@Override
	public String group() {
		return this.settings.group();
	}

	@Override
	public boolean anonymous() {
		return this.settings.anonymous();
	}

	@Override
	public List<String> consumerNames() {
		return this.settings.consumerNames();
	}

	@Override
	public String deadLetterStream() {
		return this.settings.deadLetterStream();
	}

	@Override
	public int expectedConsumers() {
		return this.container.expectedConsumers();
	}

	@Override
	public Map<String, Object> partitionOwnership() {
		if (!(this.container instanceof PartitionedConsumerContainer partitioned)) {
			return null;
		}
		PartitionBalancer.Ownership ownership = partitioned.getBalancer().ownership();
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("member", ownership.member());
		view.put("token", ownership.token());
		view.put("partitionCount", ownership.partitionCount());
		view.put("liveMembers", ownership.members());
		view.put("share", ownership.share());
		view.put("owned", ownership.owned());
		view.put("handingOver", ownership.handingOver());
		return view;
	}

	@Override
	public Map<Integer, String> partitionOwners() {
		return (this.container instanceof PartitionedConsumerContainer partitioned)
				? partitioned.getBalancer().owners() : null;
	}

	@Override
	public int liveConsumers() {
		return this.container.liveConsumers();
	}

	@Override
	public int consumersInOutage() {
		return this.container.consumersInOutage();
	}

	/**
	 * The container that runs the binding's consumers.
	 */
	public BindingConsumers getContainer() {
		return this.container;
	}

	@Override
	public String getComponentType() {
		return "redis:stream-inbound-channel-adapter";
	}

	@Override
	protected void doStart() {
		this.container.start();
		if (this.bindingRegistry != null) {
			this.bindingRegistry.register(this);
		}
	}

	/**
	 * Stops reading, lets each consumer finish the entry in hand (at most {@code shutdown-timeout}) and hands
	 * the rest back; see {@link StreamConsumerContainer#stop()}.
	 */
	@Override
	protected void doStop() {
		if (this.bindingRegistry != null) {
			this.bindingRegistry.unregister(this);
		}
		this.container.stop();
	}

	/**
	 * Runs the task once the binding is stopped and none of its consumers works on an entry any more.
	 * @see StreamConsumerContainer#whenFinished(Runnable)
	 */
	public void whenFinished(Runnable task) {
		this.container.whenFinished(task);
	}

	/**
	 * Stops reading new entries (the {@code PAUSED} state of the bindings actuator endpoint). Entries already
	 * fetched are finished and acknowledged first, so no entry waits on a paused instance.
	 */
	@Override
	public void pause() {
		this.container.pause();
	}

	@Override
	public void resume() {
		this.container.resume();
	}

	/**
	 * Whether every consumer of the binding has actually stopped reading, which may take up to
	 * {@code block-timeout} (plus the current batch) after {@link #pause()}.
	 */
	@Override
	public boolean isPaused() {
		return this.container.isPaused();
	}

	@Override
	public void send(Message<?> message) {
		sendMessage(message);
	}

	@Override
	public boolean publishFailure(Message<?> message, Throwable cause) {
		if (this.failureChannel == null) {
			logger.error("Handler failed for entry of " + this.settings.describe() + ": "
					+ PayloadQuoting.describe(cause, false), PayloadQuoting.loggable(cause, false));
			return false;
		}
		MessagingException failure = (cause instanceof MessagingException messagingException
				&& messagingException.getFailedMessage() != null) ? messagingException
						: new MessageHandlingException(message, cause);
		AttributeAccessor attributes = ErrorMessageUtils.getAttributeAccessor(message, null);
		ErrorMessage errorMessage = this.failureMessageStrategy.buildErrorMessage(failure, attributes);
		try {
			this.failureChannel.send(errorMessage);
			return true;
		}
		catch (RuntimeException rethrown) {
			// the binder's final error handler rethrows when no application error handler took it
			return false;
		}
	}

}
