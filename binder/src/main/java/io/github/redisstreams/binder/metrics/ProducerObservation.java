package io.github.redisstreams.binder.metrics;

import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.integration.support.MutableMessage;
import org.springframework.integration.support.management.observation.IntegrationObservation;
import org.springframework.messaging.Message;

/**
 * Observes the writes of one producer binding: each message gets Spring Integration's producer
 * observation (a span of kind PRODUCER named {@code <binding> send}), started before the message is
 * encoded so that the trace context lands in its headers and thus in the entry's fields (W3C
 * {@code traceparent} with the default propagation), and stopped when Redis confirms or rejects the
 * write. The consumer's receive observation continues the trace from those fields.
 */
public class ProducerObservation {

	/**
	 * Observes nothing.
	 */
	public static final ProducerObservation DISABLED = new ProducerObservation(ObservationRegistry.NOOP, "");

	private final ObservationRegistry registry;

	private final String bindingName;

	/**
	 * @param registry the application's observation registry
	 * @param bindingName the producer binding
	 */
	public ProducerObservation(ObservationRegistry registry, String bindingName) {
		this.registry = registry;
		this.bindingName = bindingName;
	}

	/**
	 * Starts the observation of one write.
	 * @param message the message to write
	 * @param stream the stream it goes to
	 * @return the running observation; write {@link Send#message()}, not the original message
	 */
	public Send start(Message<?> message, String stream) {
		if (this.registry.isNoop()) {
			return new Send(message, Observation.NOOP);
		}
		MutableMessage<?> carrier = MutableMessage.of(message);
		Observation observation = IntegrationObservation.PRODUCER
			.observation(null, RedisStreamSenderObservationConvention.INSTANCE,
					() -> new RedisStreamSenderContext(carrier, this.bindingName, stream), this.registry)
			.start();
		return new Send(carrier, observation);
	}

	/**
	 * The observation of one write.
	 */
	public static final class Send {

		private final Message<?> message;

		private final Observation observation;

		private final AtomicBoolean stopped = new AtomicBoolean();

		Send(Message<?> message, Observation observation) {
			this.message = message;
			this.observation = observation;
		}

		/**
		 * The message to write: the original one with the trace context added to its headers.
		 * @return the message
		 */
		public Message<?> message() {
			return this.message;
		}

		/**
		 * Ends the observation; later calls do nothing.
		 * @param entryId the id Redis gave the entry, or null when the write failed
		 * @param error the failure, or null
		 */
		public void stop(String entryId, Throwable error) {
			if (!this.stopped.compareAndSet(false, true)) {
				return;
			}
			if (entryId != null) {
				this.observation.highCardinalityKeyValue(KeyValue.of("messaging.message.id", entryId));
			}
			if (error != null) {
				this.observation.error(error);
			}
			this.observation.stop();
		}

	}

}
