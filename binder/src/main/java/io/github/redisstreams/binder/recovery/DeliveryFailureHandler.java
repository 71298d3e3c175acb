package io.github.redisstreams.binder.recovery;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.PayloadQuoting;

/**
 * Decides what happens to an entry whose processing failed: it stays pending to be delivered again
 * (after {@code claim-idle-time}), or, once retrying cannot help, it is given up: moved to the
 * dead-letter stream, or, without one, acknowledged with an ERROR log that describes the entry (its id, field
 * names and sizes; its content only with {@code spring.cloud.stream.redis.binder.log-payloads}).
 * Nothing is given up silently and nothing is delivered forever.
 */
public class DeliveryFailureHandler {

	private static final Log logger = LogFactory.getLog(DeliveryFailureHandler.class);

	private static final int MAX_LOGGED_VALUE_LENGTH = 2048;

	private static final int MAX_LOGGED_NAME_LENGTH = 128;

	/**
	 * What became of a failed entry.
	 */
	public enum Outcome {

		/** Left in the PEL; a consumer claims and delivers it again after {@code claim-idle-time}. */
		LEFT_PENDING,

		/** Moved to the dead-letter stream and acknowledged. */
		DEAD_LETTERED,

		/** Acknowledged without a dead-letter stream, reported at ERROR. */
		DROPPED,

		/** Another consumer owns it now (it claimed the entry meanwhile) and decides. */
		NOT_OWNED

	}

	private final StreamCommands commands;

	private final String stream;

	private final String group;

	private final int maxDeliveries;

	private final DeadLetterPublisher deadLetters;

	private final RetryableExceptions retryableExceptions;

	private final ConsumerMetrics metrics;

	private final PendingEntryUpdates pendingUpdates;

	private boolean logPayloads;

	/**
	 * @param deadLetters the dead-letter publisher, or null when the binding has no dead-letter stream
	 */
	public DeliveryFailureHandler(StreamCommands commands, String stream, String group, int maxDeliveries,
			DeadLetterPublisher deadLetters, RetryableExceptions retryableExceptions, ConsumerMetrics metrics,
			PendingEntryUpdates pendingUpdates) {
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.maxDeliveries = maxDeliveries;
		this.deadLetters = deadLetters;
		this.retryableExceptions = retryableExceptions;
		this.metrics = metrics;
		this.pendingUpdates = pendingUpdates;
	}

	/**
	 * Whether the ERROR log of a dropped entry carries its field values
	 * ({@code spring.cloud.stream.redis.binder.log-payloads}); by default it names the fields and their sizes.
	 * @param logPayloads true to log the content
	 */
	public void setLogPayloads(boolean logPayloads) {
		this.logPayloads = logPayloads;
	}

	/**
	 * Handles a delivery whose handler failed after its in-process retries.
	 * @param delivery the entry and its delivery count
	 * @param consumer the consumer that owns it
	 * @param cause the last failure
	 * @return what became of the entry
	 */
	public Outcome handlerFailed(Delivery delivery, String consumer, Throwable cause) {
		if (!this.retryableExceptions.isRetryable(cause)) {
			return giveUp(delivery, consumer, cause, "it failed with an exception that retrying cannot fix");
		}
		if (delivery.deliveryCount() >= this.maxDeliveries) {
			return giveUp(delivery, consumer, cause, "it failed on its last delivery (" + delivery.deliveryCount()
					+ " of max-deliveries " + this.maxDeliveries + ")");
		}
		// Redis's counter may be behind (entries of a new batch wait at 0 until their handler gets them)
		if (!this.pendingUpdates.recordFailedDelivery(consumer, delivery.id(), delivery.deliveryCount())) {
			return Outcome.NOT_OWNED;
		}
		if (logger.isInfoEnabled()) {
			logger.info("Entry " + delivery.id() + " of stream '" + this.stream + "' (group '" + this.group
					+ "') failed on delivery " + delivery.deliveryCount() + " of " + this.maxDeliveries
					+ "; it stays pending and is delivered again after claim-idle-time: "
					+ PayloadQuoting.describe(DeadLetterPublisher.reportedCause(cause), this.logPayloads));
		}
		return Outcome.LEFT_PENDING;
	}

	/**
	 * Handles an entry the application asked to have delivered again (manual acknowledgement): a failed
	 * delivery whatever the binding's retryable exceptions say, dead-lettered only once it has had
	 * {@code max-deliveries} deliveries.
	 * @param delivery the entry and its delivery count
	 * @param consumer the consumer that owns it
	 * @param cause what to record as its failure
	 * @return what became of the entry
	 */
	public Outcome requeued(Delivery delivery, String consumer, Throwable cause) {
		if (delivery.deliveryCount() >= this.maxDeliveries) {
			return giveUp(delivery, consumer, cause, "it was requeued on its last delivery (" + delivery.deliveryCount()
					+ " of max-deliveries " + this.maxDeliveries + ")");
		}
		if (!this.pendingUpdates.recordFailedDelivery(consumer, delivery.id(), delivery.deliveryCount())) {
			return Outcome.NOT_OWNED;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Entry " + delivery.id() + " of stream '" + this.stream + "' (group '" + this.group
					+ "') was requeued on delivery " + delivery.deliveryCount() + " of " + this.maxDeliveries
					+ "; it is delivered again after claim-idle-time");
		}
		return Outcome.LEFT_PENDING;
	}

	/**
	 * Gives an entry up: dead-letters it, or acknowledges and reports it when there is no dead-letter
	 * stream.
	 * @param delivery the entry and its delivery count
	 * @param consumer the consumer that owns it
	 * @param cause why
	 * @param reason a readable reason for the log
	 * @return what became of the entry
	 */
	public Outcome giveUp(Delivery delivery, String consumer, Throwable cause, String reason) {
		if (this.deadLetters != null) {
			String deadLetterId = this.deadLetters.publish(delivery, consumer, cause);
			if (deadLetterId == null) {
				logger.warn("Entry " + delivery.id() + " of stream '" + this.stream + "' was not dead-lettered by "
						+ consumer + ": another consumer of group '" + this.group + "' owns it now");
				return Outcome.NOT_OWNED;
			}
			this.metrics.deadLettered();
			logger.warn("Entry " + delivery.id() + " of stream '" + this.stream + "' (group '" + this.group
					+ "') moved to dead-letter stream '" + this.deadLetters.deadLetterStream() + "' as " + deadLetterId
					+ " because " + reason + ": "
					+ PayloadQuoting.describe(DeadLetterPublisher.reportedCause(cause), this.logPayloads));
			return Outcome.DEAD_LETTERED;
		}
		logger.error("Entry " + delivery.id() + " of stream '" + this.stream + "' (group '" + this.group
				+ "') is dropped because " + reason + " and the binding has no dead-letter stream (enable-dlq); entry: "
				+ describe(delivery.entry().fields(), this.logPayloads) + ": "
				+ PayloadQuoting.describe(DeadLetterPublisher.reportedCause(cause), this.logPayloads),
				PayloadQuoting.loggable(cause, this.logPayloads));
		this.commands.xack(this.stream, this.group, List.of(delivery.id()));
		this.metrics.dropped();
		return Outcome.DROPPED;
	}

	/**
	 * The fields of an entry for a log: their names and sizes, e.g. {@code {payload=(42 bytes), contentType=(16
	 * bytes)}}, or with {@code withContent} their values (each shortened to 2048 characters).
	 * @param fields the entry's fields, null when it was deleted
	 * @param withContent whether to show the values
	 * @return the description
	 */
	public static String describe(Map<String, byte[]> fields, boolean withContent) {
		if (fields == null) {
			return "(deleted)";
		}
		StringBuilder text = new StringBuilder("{");
		for (Map.Entry<String, byte[]> field : fields.entrySet()) {
			if (text.length() > 1) {
				text.append(", ");
			}
			text.append(shortened(field.getKey(), MAX_LOGGED_NAME_LENGTH)).append('=');
			if (withContent) {
				text.append(shortened(new String(field.getValue(), StandardCharsets.UTF_8), MAX_LOGGED_VALUE_LENGTH));
			}
			else {
				text.append('(').append(field.getValue().length).append(" bytes)");
			}
		}
		return text.append('}').toString();
	}

	private static String shortened(String text, int length) {
		return (text.length() > length) ? text.substring(0, length) + "..." : text;
	}

}
