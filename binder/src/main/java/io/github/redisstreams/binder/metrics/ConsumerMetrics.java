package io.github.redisstreams.binder.metrics;

/**
 * What a consumer binding reports about its work. Every method has a no-op default, so a binding
 * without a meter registry pays nothing.
 */
public interface ConsumerMetrics {

	/**
	 * Reports nothing.
	 */
	ConsumerMetrics NOOP = new ConsumerMetrics() {
	};

	/**
	 * Entries handed to the binding: new reads, own pending entries and claimed entries.
	 */
	default void received(int count) {
	}

	/**
	 * Entries acknowledged after success (or skipped as duplicates), confirmed by Redis.
	 */
	default void acked(int count) {
	}

	/**
	 * One delivery whose handler failed after its in-process retries.
	 */
	default void failed() {
	}

	/**
	 * One in-process retry of a handler.
	 */
	default void retried() {
	}

	/**
	 * Entries taken over from other consumers ({@code XCLAIM} of an idle pending entry).
	 */
	default void reclaimed(int count) {
	}

	/**
	 * One entry moved to the dead-letter stream.
	 */
	default void deadLettered() {
	}

	/**
	 * One entry given up without a dead-letter stream (acknowledged and logged at ERROR).
	 */
	default void dropped() {
	}

	/**
	 * One delivery skipped because its business key was already processed.
	 */
	default void duplicateSkipped() {
	}

	/**
	 * Atomic steps of a transactional binding discarded because their entry was no longer this consumer's.
	 */
	default void stepsDiscarded(int count) {
	}

	/**
	 * Pending entries whose data was deleted from the stream (trimmed) before they were processed.
	 */
	default void lostToTrimming(int count) {
	}

	/**
	 * A change of the partitions this instance owns (partition-assignment dynamic).
	 * @param change {@code taken}, {@code handed-over} (given up to another instance after a rebalance),
	 * {@code released} (given up when the binding stopped) or {@code lost} (its lease expired)
	 */
	default void partitionOwnershipChanged(String change) {
	}

	/**
	 * Time the handler took for one delivery, retries included.
	 */
	default void handlerDuration(long nanos) {
	}

	/**
	 * Time from the entry's creation (the time in its id) to its acknowledgement.
	 */
	default void endToEndLatency(long millis) {
	}

}
