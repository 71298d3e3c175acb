package io.github.redisstreams.binder;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.cloud.stream.binder.AbstractMessageChannelBinder;
import org.springframework.cloud.stream.binder.BinderSpecificPropertiesProvider;
import org.springframework.cloud.stream.binder.ConsumerProperties;
import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.cloud.stream.binder.ExtendedProducerProperties;
import org.springframework.cloud.stream.binder.ExtendedPropertiesBinder;
import org.springframework.cloud.stream.config.BindingServiceProperties;
import org.springframework.cloud.stream.provisioning.ConsumerDestination;
import org.springframework.cloud.stream.provisioning.ProducerDestination;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.integration.core.MessageProducer;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandler;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.util.StringUtils;

import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.idempotency.IdempotencyGuard;
import io.github.redisstreams.binder.inbound.ConsumerNames;
import io.github.redisstreams.binder.inbound.ConsumerSettings;
import io.github.redisstreams.binder.inbound.PartitionedConsumerContainer;
import io.github.redisstreams.binder.inbound.PolledFailureHandler;
import io.github.redisstreams.binder.inbound.RedisStreamInboundChannelAdapter;
import io.github.redisstreams.binder.inbound.RedisStreamMessageSource;
import io.github.redisstreams.binder.inbound.StreamConsumerContainer;
import io.github.redisstreams.binder.metrics.BindingMetricsFactory;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.metrics.ProducerMetrics;
import io.github.redisstreams.binder.metrics.ProducerObservation;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.metrics.RedisStreamReceiverObservationConvention;
import io.github.redisstreams.binder.outbound.EntrySizeLimit;
import io.github.redisstreams.binder.partitioning.GroupMembership;
import io.github.redisstreams.binder.partitioning.PartitionBalancer;
import io.github.redisstreams.binder.partitioning.PartitionLeases;
import io.github.redisstreams.binder.outbound.RedisStreamProducerHandler;
import io.github.redisstreams.binder.outbound.ReplicaAcknowledgment;
import io.github.redisstreams.binder.outbound.RetentionTrimmer;
import io.github.redisstreams.binder.properties.AckMode;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.properties.RedisExtendedBindingProperties;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.provisioning.RedisStreamConsumerDestination;
import io.github.redisstreams.binder.provisioning.RedisStreamProducerDestination;
import io.github.redisstreams.binder.provisioning.RedisStreamProvisioner;
import io.github.redisstreams.binder.recovery.DeadLetterPublisher;
import io.github.redisstreams.binder.recovery.DeliveryFailureHandler;
import io.github.redisstreams.binder.recovery.PendingEntryUpdates;
import io.github.redisstreams.binder.recovery.RetryableExceptions;
import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.StreamKeys;

/**
 * The Redis Streams binder: wires, for each binding, the components that do the work. Producers get a
 * {@link RedisStreamProducerHandler} (and a {@link RetentionTrimmer} when retention asks for one);
 * consumers get a {@link RedisStreamInboundChannelAdapter} with its dead-letter and failure handling, pollable
 * consumers a {@link RedisStreamMessageSource} with the same.
 */
public class RedisStreamMessageChannelBinder extends
		AbstractMessageChannelBinder<ExtendedConsumerProperties<RedisConsumerProperties>, ExtendedProducerProperties<RedisProducerProperties>, RedisStreamProvisioner>
		implements ExtendedPropertiesBinder<MessageChannel, RedisConsumerProperties, RedisProducerProperties> {

	private final RedisStreamConnections connections;

	private final TaskScheduler scheduler;

	private final TaskScheduler retentionScheduler;

	private final ConsumerNames consumerNames;

	private final EntryCodec codec = new EntryCodec();

	private final Map<ProducerDestination, RetentionTrimmer> trimmers = new ConcurrentHashMap<>();

	/** The connections of the producer bindings that wait for replicas, by binding name. */
	private final Map<String, StreamCommands> replicaWaitConnections = new ConcurrentHashMap<>();

	/** Consumer names per bound destination (by identity: two bindings may read the same stream and group). */
	private final Map<ConsumerDestination, List<String>> consumerNamesInUse = Collections
		.synchronizedMap(new IdentityHashMap<>());

	private final Map<ConsumerDestination, RedisStreamInboundChannelAdapter> consumerEndpoints = Collections
		.synchronizedMap(new IdentityHashMap<>());

	private final Map<ConsumerDestination, RedisStreamMessageSource> polledSources = Collections
		.synchronizedMap(new IdentityHashMap<>());

	private RedisExtendedBindingProperties extendedBindingProperties = new RedisExtendedBindingProperties();

	private BindingMetricsFactory metricsFactory = BindingMetricsFactory.NOOP;

	private BindingServiceProperties bindingServiceProperties;

	private RedisStreamBindingRegistry bindingRegistry;

	private ObservationRegistry observationRegistry;

	private boolean logPayloads;

	/**
	 * @param scheduler runs the short periodic work of consumers (lease renewal, clean-up)
	 * @param retentionScheduler runs retention trims, one at a time, apart from the lease renewals they could
	 * otherwise delay
	 */
	public RedisStreamMessageChannelBinder(RedisStreamProvisioner provisioner, RedisStreamConnections connections,
			TaskScheduler scheduler, TaskScheduler retentionScheduler, ConsumerNames consumerNames) {
		super(new String[0], provisioner);
		this.connections = connections;
		this.scheduler = scheduler;
		this.retentionScheduler = retentionScheduler;
		this.consumerNames = consumerNames;
	}

	public void setExtendedBindingProperties(RedisExtendedBindingProperties extendedBindingProperties) {
		this.extendedBindingProperties = extendedBindingProperties;
	}

	/**
	 * The core binding properties, read to check the Redis properties of a binding against them.
	 * @param bindingServiceProperties the application's
	 */
	public void setBindingServiceProperties(BindingServiceProperties bindingServiceProperties) {
		this.bindingServiceProperties = bindingServiceProperties;
	}

	/**
	 * Whether the binder's logs may carry the content of entries
	 * ({@code spring.cloud.stream.redis.binder.log-payloads}).
	 * @param logPayloads true to log payloads and header values
	 */
	public void setLogPayloads(boolean logPayloads) {
		this.logPayloads = logPayloads;
	}

	public void setMetricsFactory(BindingMetricsFactory metricsFactory) {
		this.metricsFactory = metricsFactory;
	}

	/**
	 * Where running consumer bindings are registered for health, metrics and the actuator endpoint.
	 * @param bindingRegistry the application's registry
	 */
	public void setBindingRegistry(RedisStreamBindingRegistry bindingRegistry) {
		this.bindingRegistry = bindingRegistry;
	}

	/**
	 * Observes every send and receive of the binder's bindings with Micrometer
	 * ({@code spring.cloud.stream.redis.binder.enable-observation}).
	 * @param observationRegistry the application's registry
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	@Override
	protected MessageHandler createProducerMessageHandler(ProducerDestination destination,
			ExtendedProducerProperties<RedisProducerProperties> properties, MessageChannel errorChannel) {
		RedisStreamProducerDestination target = (RedisStreamProducerDestination) destination;
		RedisProducerProperties redis = properties.getExtension();
		StreamCommands shared = this.connections.shared();
		ProducerMetrics metrics = this.metricsFactory.producer(properties.getBindingName(), target.stream());
		RedisStreamProducerHandler handler = new RedisStreamProducerHandler(target, redis, shared, this.codec,
				errorChannel, metrics);
		handler.setBeanFactory(getBeanFactory());
		handler.setSizeLimit(new EntrySizeLimit(properties.getBindingName(), redis.getMaxEntrySize().toBytes()));
		if (redis.getWaitForReplicas() > 0) {
			// one connection per waiting binding rather than one for all of them: a WAIT for more replicas, or with a
			// longer wait-timeout, of one binding never holds up the writes of another
			StreamCommands own = this.connections.openConnection();
			this.replicaWaitConnections.put(properties.getBindingName(), own);
			handler.setReplicaAcknowledgment(ReplicaAcknowledgment.of(own, redis.getWaitForReplicas(),
					redis.getWaitTimeout()));
		}
		if (this.observationRegistry != null) {
			handler.setObservation(new ProducerObservation(this.observationRegistry, properties.getBindingName()));
		}
		if (RetentionTrimmer.isNeeded(redis)) {
			RetentionTrimmer trimmer = new RetentionTrimmer(shared, target.streams(), requiredGroups(properties), redis,
					metrics);
			trimmer.start(this.retentionScheduler);
			this.trimmers.put(destination, trimmer);
		}
		return handler;
	}

	@Override
	protected void afterUnbindProducer(ProducerDestination destination,
			ExtendedProducerProperties<RedisProducerProperties> properties) {
		RetentionTrimmer trimmer = this.trimmers.remove(destination);
		if (trimmer != null) {
			trimmer.stop();
		}
		StreamCommands replicaWaits = this.replicaWaitConnections.remove(properties.getBindingName());
		if (replicaWaits != null) {
			this.connections.close(replicaWaits);
		}
	}

	@Override
	protected MessageProducer createConsumerEndpoint(ConsumerDestination destination, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		RedisStreamConsumerDestination source = (RedisStreamConsumerDestination) destination;
		RedisConsumerProperties redis = properties.getExtension();
		String bindingName = (properties.getBindingName() != null) ? properties.getBindingName() : redis.bindingName();
		String stream = source.stream();
		String groupName = source.group();
		String deadLetterStream = source.deadLetterStream();
		int concurrency = properties.getConcurrency();
		if (properties.isPartitioned() && concurrency > 1) {
			// two consumers of one partition would break its order: one partition, one consumer
			logger.warn("Binding '" + bindingName + "' is partitioned: its concurrency (" + concurrency + ") is not "
					+ "used, each partition is read by one consumer thread; to read more partitions per instance use "
					+ "instance-index-list, or partition-assignment dynamic");
			concurrency = 1;
		}
		List<String> names = this.consumerNames.allocate(stream, groupName,
				(source.dynamicPartitionCount() > 0) ? 1 : concurrency);
		this.consumerNamesInUse.put(destination, names);
		ConsumerMetrics metrics = this.metricsFactory.consumer(bindingName, stream, groupName);
		StreamCommands shared = this.connections.shared();
		RedisStreamInboundChannelAdapter adapter;
		if (source.dynamicPartitionCount() > 0) {
			adapter = sharedPartitionsAdapter(source, names.get(0), bindingName, properties, metrics, shared);
		}
		else {
			ConsumerSettings settings = new ConsumerSettings(bindingName, stream, groupName, source.anonymous(), names,
					redis, deadLetterStream, properties.isBatchMode(), contentType(bindingName),
					properties.isPartitioned() ? redis.getClaimIdleTime() : null);
			InboundParts parts = inboundParts(settings, properties, metrics, shared);
			RetryTemplate retryTemplate = buildRetryTemplate(properties);
			adapter = new RedisStreamInboundChannelAdapter(settings, this.connections, this.provisioningProvider,
					this.codec, retryTemplate, parts.failures(), parts.idempotency(), this.scheduler, metrics,
					parts.pendingUpdates());
		}
		ErrorInfrastructure errorInfrastructure = registerErrorInfrastructure(destination, group, properties);
		adapter.setFailureChannel(errorInfrastructure.getErrorChannel(), getErrorMessageStrategy());
		adapter.setBeanFactory(getBeanFactory());
		adapter.setBindingRegistry(this.bindingRegistry);
		this.consumerEndpoints.put(destination, adapter);
		if (this.observationRegistry != null) {
			// Spring Integration observes each message the adapter emits, continuing the trace in its headers
			adapter.setComponentName(bindingName);
			adapter.setObservationConvention(RedisStreamReceiverObservationConvention.INSTANCE);
			adapter.registerObservationRegistry(this.observationRegistry);
		}
		return adapter;
	}

	/**
	 * The consumer endpoint of a binding whose partitions the live instances of its group share
	 * ({@code partition-assignment: dynamic}): a {@link PartitionBalancer} takes and hands over partitions, and
	 * each partition owned here gets a consumer container of its own, with one consumer under the member's name,
	 * reading in stream order and taking over the previous owner's pending entries once idle for the lease time.
	 */
	private RedisStreamInboundChannelAdapter sharedPartitionsAdapter(RedisStreamConsumerDestination source,
			String member, String bindingName, ExtendedConsumerProperties<RedisConsumerProperties> properties,
			ConsumerMetrics metrics, StreamCommands shared) {
		RedisConsumerProperties redis = properties.getExtension();
		String stream = source.stream();
		String group = source.group();
		Duration leaseTime = redis.getPartitionLeaseTime();
		String contentType = contentType(bindingName);
		ConsumerSettings bindingSettings = new ConsumerSettings(bindingName, stream, group, false, List.of(member),
				redis, null, properties.isBatchMode(), contentType, leaseTime);
		// before the core builds the binding's retry template from them
		RetryableExceptions.addDefaults(properties.getRetryableExceptions());
		RetryTemplate retryTemplate = buildRetryTemplate(properties);
		return new RedisStreamInboundChannelAdapter(bindingSettings, (target) -> {
			PartitionBalancer[] balancer = new PartitionBalancer[1];
			IntFunction<StreamConsumerContainer> partitionConsumers = (partition) -> {
				ConsumerSettings settings = new ConsumerSettings(bindingName, StreamKeys.partition(stream, partition),
						group, false, List.of(member), redis, source.partitionDeadLetterStreams().get(partition),
						properties.isBatchMode(), contentType, leaseTime);
				InboundParts parts = inboundParts(settings, properties, metrics, shared);
				StreamConsumerContainer container = new StreamConsumerContainer(settings, this.connections,
						this.provisioningProvider, this.codec, retryTemplate, parts.failures(), parts.idempotency(),
						this.scheduler, metrics, parts.pendingUpdates(), target);
				container.setReadPermit((time) -> balancer[0].mayRead(partition, time));
				return container;
			};
			PartitionedConsumerContainer container = new PartitionedConsumerContainer(bindingSettings,
					partitionConsumers);
			String token = member + "@" + UUID.randomUUID().toString().substring(0, 8);
			balancer[0] = new PartitionBalancer(stream, group, source.dynamicPartitionCount(), member,
					new PartitionLeases(shared, group, token, leaseTime),
					new GroupMembership(shared, stream, group, leaseTime), leaseTime, metrics, container);
			container.setBalancer(balancer[0]);
			return container;
		});
	}

	/**
	 * The message source of a pollable binding ({@code spring.cloud.stream.pollable-source}): one consumer of the
	 * group that reads when the application polls, with the dead-letter, failure and duplicate handling of a
	 * message-driven binding. The core wraps it in the binding's {@code DefaultPollableMessageSource}, with the
	 * in-process retries and the error channel.
	 */
	@Override
	protected PolledConsumerResources createPolledConsumerResources(String name, String group,
			ConsumerDestination destination, ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		RedisStreamConsumerDestination target = (RedisStreamConsumerDestination) destination;
		RedisConsumerProperties redis = properties.getExtension();
		String bindingName = (properties.getBindingName() != null) ? properties.getBindingName() : redis.bindingName();
		if (properties.getConcurrency() > 1) {
			logger.warn("Binding '" + bindingName + "' is pollable: its concurrency (" + properties.getConcurrency()
					+ ") is ignored; it reads as one consumer, when the application polls");
		}
		if (redis.dynamicPartitions()) {
			throw new IllegalArgumentException("Binding '" + bindingName + "' is pollable: '"
					+ RedisExtendedBindingProperties.consumerPrefix(bindingName) + ".partition-assignment' dynamic is "
					+ "not supported there; use a message-driven binding, or a static instance-index");
		}
		if (redis.isTransactional()) {
			throw new IllegalArgumentException("Binding '" + bindingName + "' is pollable: '"
					+ RedisExtendedBindingProperties.consumerPrefix(bindingName) + ".transactional' is not supported there "
					+ "(the application settles polled messages itself); use a message-driven binding for exactly-once steps");
		}
		List<String> names = this.consumerNames.allocate(target.stream(), target.group(), 1);
		try {
			ConsumerSettings settings = new ConsumerSettings(bindingName, target.stream(), target.group(),
					target.anonymous(), names, redis, target.deadLetterStream(), false, contentType(bindingName));
			ConsumerMetrics metrics = this.metricsFactory.consumer(bindingName, target.stream(), target.group());
			InboundParts parts = inboundParts(settings, properties, metrics, this.connections.shared());
			RedisStreamMessageSource source = new RedisStreamMessageSource(settings, this.connections,
					this.provisioningProvider, this.codec, parts.failures(), parts.idempotency(), this.scheduler,
					metrics, parts.pendingUpdates());
			source.setBindingRegistry(this.bindingRegistry);
			ErrorInfrastructure errors = registerErrorInfrastructure(destination, group, properties, true);
			this.consumerNamesInUse.put(destination, names);
			this.polledSources.put(destination, source);
			return new PolledConsumerResources(source, errors);
		}
		catch (RuntimeException ex) {
			// the core provisioned the destination already and will not unbind a binding that failed
			this.consumerNames.release(target.stream(), target.group(), names);
			this.provisioningProvider.destroyAnonymousGroup(target);
			throw ex;
		}
	}

	/**
	 * Settles the messages of a pollable binding whose handler failed after its in-process retries, as a
	 * message-driven binding settles a failed delivery (see {@link PolledFailureHandler}).
	 */
	@Override
	protected MessageHandler getPolledConsumerErrorMessageHandler(ConsumerDestination destination, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		return new PolledFailureHandler();
	}

	@Override
	protected void afterUnbindConsumer(ConsumerDestination destination, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		RedisStreamConsumerDestination source = (RedisStreamConsumerDestination) destination;
		RedisStreamMessageSource polled = this.polledSources.remove(destination);
		if (polled != null) {
			// stopped by the unbinding already; its entries in hand are settled or handed back once it returns
			polled.stop();
		}
		this.provisioningProvider.destroyAnonymousGroup(source);
		List<String> names = this.consumerNamesInUse.remove(destination);
		RedisStreamInboundChannelAdapter adapter = this.consumerEndpoints.remove(destination);
		if (names != null) {
			// not before every handler of the binding returned: a new binding under the same names would take
			// the entries still being processed as its own pending entries, and run them twice at once
			Runnable release = () -> this.consumerNames.release(source.stream(), source.group(), names);
			if (adapter != null) {
				adapter.whenFinished(release);
			}
			else {
				release.run();
			}
		}
	}

	/**
	 * What the consumer bindings of both kinds (message-driven and pollable) share: the failure decisions with the
	 * dead-letter stream, the updates of pending entries and the duplicate check.
	 */
	private InboundParts inboundParts(ConsumerSettings settings,
			ExtendedConsumerProperties<RedisConsumerProperties> properties, ConsumerMetrics metrics,
			StreamCommands shared) {
		RedisConsumerProperties redis = settings.redis();
		String stream = settings.stream();
		String groupName = settings.group();
		// before the core builds the binding's retry template from them
		RetryableExceptions.addDefaults(properties.getRetryableExceptions());
		DeadLetterPublisher deadLetters = (settings.deadLetterStream() != null) ? new DeadLetterPublisher(shared,
				stream, groupName, settings.deadLetterStream(), redis.getDlqMaxLen()) : null;
		PendingEntryUpdates pendingUpdates = new PendingEntryUpdates(shared, stream, groupName,
				redis.getClaimIdleTime(), metrics);
		DeliveryFailureHandler failures = new DeliveryFailureHandler(shared, stream, groupName,
				redis.getMaxDeliveries(), deadLetters, new RetryableExceptions(properties.getRetryableExceptions()),
				metrics, pendingUpdates);
		failures.setLogPayloads(this.logPayloads);
		IdempotencyGuard idempotency = redis.getIdempotency().isEnabled()
				? new IdempotencyGuard(redis.getIdempotency().getKeyExpression(),
						StreamKeys.processedMarkerPrefix(stream, groupName), redis.getIdempotency().getTtl(),
						RedisExtendedBindingProperties.consumerPrefix(settings.bindingName())
								+ ".idempotency.key-expression")
				: null;
		return new InboundParts(failures, pendingUpdates, idempotency);
	}

	private static List<String> requiredGroups(ExtendedProducerProperties<RedisProducerProperties> properties) {
		String[] groups = properties.getRequiredGroups();
		return (groups != null) ? Arrays.stream(groups).filter(StringUtils::hasText).toList() : List.of();
	}

	@Override
	public RedisConsumerProperties getExtendedConsumerProperties(String channelName) {
		RedisConsumerProperties properties = this.extendedBindingProperties.getExtendedConsumerProperties(channelName);
		properties.validate(RedisExtendedBindingProperties.consumerPrefix(channelName));
		checkAckModeFitsBatchMode(channelName, properties);
		checkPartitionAssignment(channelName, properties);
		properties.rememberBindingName(channelName);
		return properties;
	}

	/**
	 * The binding's content type ({@code spring.cloud.stream.bindings.<binding>.content-type}), which applies to
	 * entries that carry none.
	 */
	private String contentType(String bindingName) {
		String contentType = (this.bindingServiceProperties != null)
				? this.bindingServiceProperties.getBindingProperties(bindingName).getContentType() : null;
		return (contentType != null) ? contentType : "application/json";
	}

	/**
	 * A batch is acknowledged by the binder: manual acknowledgement takes one message at a time. Checked with
	 * the other property checks, before binding, so that the application fails to start (a failure while
	 * binding would be retried every binding-retry-interval instead).
	 */
	private void checkAckModeFitsBatchMode(String bindingName, RedisConsumerProperties properties) {
		if (properties.getAckMode() != AckMode.MANUAL || this.bindingServiceProperties == null) {
			return;
		}
		if (this.bindingServiceProperties.getConsumerProperties(bindingName).isBatchMode()) {
			throw new IllegalArgumentException("Invalid value for '"
					+ RedisExtendedBindingProperties.consumerPrefix(bindingName) + ".ack-mode': manual cannot be combined "
					+ "with 'spring.cloud.stream.bindings." + bindingName + ".consumer.batch-mode' true: the binder "
					+ "acknowledges a batch; a batch handler names a failed entry with BatchEntryFailedException");
		}
	}

	/**
	 * Dynamic partition assignment needs a partitioned binding and contradicts a static instance-index-list;
	 * checked before binding, so that the application fails to start.
	 */
	private void checkPartitionAssignment(String bindingName, RedisConsumerProperties properties) {
		if (!properties.dynamicPartitions() || this.bindingServiceProperties == null) {
			return;
		}
		ConsumerProperties core = this.bindingServiceProperties.getConsumerProperties(bindingName);
		String property = "'" + RedisExtendedBindingProperties.consumerPrefix(bindingName) + ".partition-assignment'";
		if (!core.isPartitioned()) {
			throw new IllegalArgumentException("Invalid value for " + property + ": dynamic needs "
					+ "'spring.cloud.stream.bindings." + bindingName + ".consumer.partitioned' true");
		}
		if (!StringUtils.hasText(this.bindingServiceProperties.getGroup(bindingName))) {
			throw new IllegalArgumentException("Invalid value for " + property + ": dynamic shares the partitions "
					+ "among the instances of a group; set 'spring.cloud.stream.bindings." + bindingName + ".group'");
		}
		if (core.getInstanceIndexList() != null && !core.getInstanceIndexList().isEmpty()) {
			throw new IllegalArgumentException("Invalid value for " + property + ": dynamic cannot be combined with "
					+ "'spring.cloud.stream.bindings." + bindingName + ".consumer.instance-index-list' "
					+ core.getInstanceIndexList() + " (or 'spring.cloud.stream.instance-index-list'): the instances "
					+ "share the partitions themselves; remove one of them");
		}
	}

	@Override
	public RedisProducerProperties getExtendedProducerProperties(String channelName) {
		RedisProducerProperties properties = this.extendedBindingProperties.getExtendedProducerProperties(channelName);
		properties.validate(RedisExtendedBindingProperties.producerPrefix(channelName));
		ReplicaAcknowledgment.checkSupported(properties.getWaitForReplicas(), this.connections.isCluster(),
				RedisExtendedBindingProperties.producerPrefix(channelName) + ".wait-for-replicas");
		ReplicaAcknowledgment.checkWaitTimeout(properties.getWaitForReplicas(), properties.getWaitTimeout(),
				this.connections.commandTimeout(), RedisExtendedBindingProperties.producerPrefix(channelName) + ".wait-timeout");
		return properties;
	}

	@Override
	public String getDefaultsPrefix() {
		return this.extendedBindingProperties.getDefaultsPrefix();
	}

	@Override
	public Class<? extends BinderSpecificPropertiesProvider> getExtendedPropertiesEntryClass() {
		return this.extendedBindingProperties.getExtendedPropertiesEntryClass();
	}

	@Override
	protected Map<String, Object> doGetAdditionalConfigurationProperties(String name) {
		return Collections.emptyMap();
	}

	/**
	 * The shared parts of a consumer binding.
	 *
	 * @param idempotency the duplicate check, or null when the binding has none
	 */
	private record InboundParts(DeliveryFailureHandler failures, PendingEntryUpdates pendingUpdates,
			IdempotencyGuard idempotency) {

	}

}
