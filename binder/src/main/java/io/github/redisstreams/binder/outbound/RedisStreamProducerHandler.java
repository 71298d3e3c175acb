package io.github.redisstreams.binder.outbound;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisException;
import io.lettuce.core.XAddArgs;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.stream.binder.BinderHeaders;
import org.springframework.context.Lifecycle;
import org.springframework.integration.MessageTimeoutException;
import org.springframework.integration.handler.AbstractMessageHandler;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageDeliveryException;
import org.springframework.messaging.support.ErrorMessage;

import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ProducerMetrics;
import io.github.redisstreams.binder.metrics.ProducerObservation;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.properties.RetentionMode;
import io.github.redisstreams.binder.provisioning.RedisStreamProducerDestination;
import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.HandlerWrites;
import io.github.redisstreams.binder.support.HeaderPatterns;
import io.github.redisstreams.binder.support.RedisStreamTransaction;

/**
 * Writes each message of a producer binding to its stream with {@code XADD}.
 * <p>
 * Writes are asynchronous on the binder's shared connection, where Lettuce pipelines them with every other
 * command in flight: a send does not wait for the reply unless {@code sync} is set. The connection groups the
 * socket writes of commands that reach its event loop together ({@code consolidate-flushes}), so a burst of sends
 * costs Redis a few reads rather than one per {@code XADD}, without a hand-off between threads (grouping flushes
 * from the sending side was measured too, and cost more than it saved: see {@code docs/performance.md}). The
 * number of writes awaiting a reply is bounded
 * ({@code max-in-flight}); when Redis is slow or unreachable, further sends wait up to
 * {@code send-timeout} and then fail, instead of queueing without limit. A failed asynchronous write
 * is logged at ERROR and published to the binding's error channel. A write made while a consumer of this
 * binder runs its handler (a processor's output) is recorded in {@link HandlerWrites}: that consumer
 * acknowledges its input only after the write was confirmed, whatever {@code sync} says.
 */
public class RedisStreamProducerHandler extends AbstractMessageHandler implements Lifecycle {

	private static final Log logger = LogFactory.getLog(RedisStreamProducerHandler.class);

	private final RedisStreamProducerDestination destination;

	private final RedisProducerProperties properties;

	private final StreamCommands commands;

	private final EntryCodec codec;

	private final HeaderPatterns headerPatterns;

	private final MessageChannel errorChannel;

	private final ProducerMetrics metrics;

	private final Semaphore inFlight;

	private ProducerObservation observation = ProducerObservation.DISABLED;

	private EntrySizeLimit sizeLimit = EntrySizeLimit.NONE;

	private ReplicaAcknowledgment replicaAcknowledgment = ReplicaAcknowledgment.NONE;

	private volatile boolean running;

	/**
	 * @param errorChannel where failed asynchronous writes are published, or null
	 */
	public RedisStreamProducerHandler(RedisStreamProducerDestination destination, RedisProducerProperties properties,
			StreamCommands commands, EntryCodec codec, MessageChannel errorChannel, ProducerMetrics metrics) {
		this.destination = destination;
		this.properties = properties;
		this.commands = commands;
		this.codec = codec;
		this.headerPatterns = new HeaderPatterns(properties.getHeaderPatterns());
		this.errorChannel = errorChannel;
		this.metrics = metrics;
		this.inFlight = new Semaphore(properties.getMaxInFlight());
	}

	/**
	 * Observes each write with Micrometer (and carries the trace context in the entry's fields).
	 * @param observation the binding's producer observation
	 */
	public void setObservation(ProducerObservation observation) {
		this.observation = observation;
	}

	/**
	 * Refuses entries larger than the binding's {@code max-entry-size}.
	 * @param sizeLimit the binding's limit
	 */
	public void setSizeLimit(EntrySizeLimit sizeLimit) {
		this.sizeLimit = sizeLimit;
	}

	/**
	 * Holds each write back until the binding's {@code wait-for-replicas} replicas have it.
	 * @param replicaAcknowledgment the binding's acknowledgment by replicas
	 */
	public void setReplicaAcknowledgment(ReplicaAcknowledgment replicaAcknowledgment) {
		this.replicaAcknowledgment = replicaAcknowledgment;
	}

	@Override
	protected void handleMessageInternal(Message<?> message) {
		String stream = targetStream(message);
		ProducerObservation.Send send = this.observation.start(message, stream);
		try {
			write(send.message(), stream, send);
		}
		catch (RuntimeException ex) {
			send.stop(null, ex);
			throw ex;
		}
	}

	private void write(Message<?> message, String stream, ProducerObservation.Send send) {
		Map<byte[], byte[]> fields = this.codec.encode(message, this.headerPatterns);
		try {
			this.sizeLimit.check(message, stream, fields);
		}
		catch (RuntimeException ex) {
			this.metrics.sendFailed();
			throw ex;
		}
		if (RedisStreamTransaction.isActiveFor(this.commands)) {
			// the handler of a transactional binding of this Redis runs on this thread: the entry is written by
			// its atomic step, together with the input's acknowledgement, or not at all
			RedisStreamTransaction.current().stageStreamEntry(stream, trimArgs(), fields);
			send.stop(null, null);
			return;
		}
		acquirePermit(stream);
		CompletableFuture<String> reply;
		try {
			StreamCommands writer = this.replicaAcknowledgment.writesOn(this.commands);
			reply = this.replicaAcknowledgment
				.confirm(() -> writer.xaddAsync(stream, addArgs(), fields).toCompletableFuture());
		}
		catch (RuntimeException ex) {
			this.inFlight.release();
			this.metrics.sendFailed();
			throw new MessageDeliveryException(message, "Failed to write to stream '" + stream + "'", ex);
		}
		// the consumer running this handler, if any, acknowledges its input only once this write is confirmed
		HandlerWrites.record(reply);
		reply.whenComplete((id, ex) -> {
			this.inFlight.release();
			send.stop(id, ex);
			if (ex == null) {
				this.metrics.sent();
			}
			else {
				this.metrics.sendFailed();
				if (!this.properties.isSync()) {
					reportAsyncFailure(message, stream, ex);
				}
			}
		});
		if (this.properties.isSync()) {
			awaitReply(message, stream, reply);
		}
	}

	private String targetStream(Message<?> message) {
		Object partition = message.getHeaders().get(BinderHeaders.PARTITION_HEADER);
		if (partition == null) {
			return this.destination.stream();
		}
		return this.destination.getNameForPartition(Integer.parseInt(partition.toString()));
	}

	/**
	 * The trimming of {@link #addArgs()} as {@code XADD} arguments, for a write staged in a transactional step.
	 */
	private List<String> trimArgs() {
		if (this.properties.getRetentionMode() != RetentionMode.CAPPED) {
			return List.of();
		}
		if (this.properties.getMaxLen() > 0) {
			return List.of("MAXLEN", "~", Long.toString(this.properties.getMaxLen()));
		}
		if (this.properties.getMaxAge() != null) {
			long cut = System.currentTimeMillis() - this.properties.getMaxAge().toMillis();
			return List.of("MINID", "~", cut + "-0");
		}
		return List.of();
	}

	private XAddArgs addArgs() {
		if (this.properties.getRetentionMode() != RetentionMode.CAPPED) {
			return null;
		}
		if (this.properties.getMaxLen() > 0) {
			return new XAddArgs().maxlen(this.properties.getMaxLen()).approximateTrimming();
		}
		if (this.properties.getMaxAge() != null) {
			long cut = System.currentTimeMillis() - this.properties.getMaxAge().toMillis();
			return new XAddArgs().minId(cut + "-0").approximateTrimming();
		}
		return null;
	}

	private void acquirePermit(String stream) {
		Duration timeout = this.properties.getSendTimeout();
		try {
			if (!this.inFlight.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new MessageTimeoutException("Redis has not confirmed " + this.properties.getMaxInFlight()
						+ " writes to stream '" + stream + "' within send-timeout " + timeout
						+ " (is Redis slow or unreachable?)");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new MessageTimeoutException("Interrupted while waiting to write to stream '" + stream + "'");
		}
	}

	private void awaitReply(Message<?> message, String stream, CompletableFuture<String> reply) {
		try {
			reply.get(this.properties.getSendTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new MessageDeliveryException(message, "Interrupted while writing to stream '" + stream + "'", ex);
		}
		catch (TimeoutException ex) {
			// the caller is told the send failed: a write still queued while Redis is unreachable must not
			// go out when the connection comes back (Lettuce skips cancelled commands)
			reply.cancel(false);
			throw new MessageTimeoutException(message, "No reply from Redis within send-timeout "
					+ this.properties.getSendTimeout() + " for a write to stream '" + stream
					+ "' (if the write had already reached Redis, it may still be stored)");
		}
		catch (ExecutionException ex) {
			throw new MessageDeliveryException(message, failure(stream, ex.getCause()), ex.getCause());
		}
	}

	/** What the failure of a send says: a write replicas did not confirm may be stored all the same. */
	private static String failure(String stream, Throwable cause) {
		return (cause instanceof ReplicaAcknowledgment.ReplicasDidNotConfirmException)
				? "A write to stream '" + stream + "' is not confirmed by replicas (it may have been stored)"
				: "Failed to write to stream '" + stream + "'";
	}

	private void reportAsyncFailure(Message<?> message, String stream, Throwable ex) {
		Throwable cause = (ex instanceof RedisException || ex.getCause() == null) ? ex : ex.getCause();
		MessageDeliveryException failure = new MessageDeliveryException(message, failure(stream, cause), cause);
		String outcome = (cause instanceof ReplicaAcknowledgment.ReplicasDidNotConfirmException)
				? "' is not confirmed by replicas: " : "' was not written: ";
		logger.error("A message sent to stream '" + stream + outcome + cause
				+ " (set sync: true to fail the send itself)");
		if (this.errorChannel != null) {
			try {
				this.errorChannel.send(new ErrorMessage(failure, message));
			}
			catch (RuntimeException handlerFailure) {
				logger.debug("Error channel of stream '" + stream + "' rejected the failure", handlerFailure);
			}
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

}
