package io.github.redisstreams.binder.metrics;

/**
 * Names and tags of the binder's Micrometer meters. Every name starts with {@value #PREFIX}; in
 * Prometheus the dots become underscores, counters get {@code _total} and timers {@code _seconds}.
 * {@code docs/operations.md} describes each meter and what to do when it moves.
 */
public final class BinderMeters {

	/** Common prefix of every meter name. */
	public static final String PREFIX = "spring.cloud.stream.binder.redis";

	/** Tag: the binding name, e.g. {@code process-in-0}. */
	public static final String TAG_BINDING = "binding";

	/** Tag: the stream key. */
	public static final String TAG_STREAM = "stream";

	/** Tag: the consumer group (consumer meters only). */
	public static final String TAG_GROUP = "group";

	// --- consumer counters --------------------------------------------------------------------

	/** Entries handed to the binding: new, own pending and claimed. */
	public static final String RECEIVED = PREFIX + ".received";

	/** Entries acknowledged after success (duplicates skipped included). */
	public static final String ACKED = PREFIX + ".acked";

	/** Deliveries whose handler failed after the in-process retries. */
	public static final String FAILED = PREFIX + ".failed";

	/** In-process retries of a handler. */
	public static final String RETRIED = PREFIX + ".retried";

	/** Entries taken over from other consumers ({@code XCLAIM} of an idle pending entry). */
	public static final String RECLAIMED = PREFIX + ".reclaimed";

	/** Entries moved to the dead-letter stream. */
	public static final String DEAD_LETTERED = PREFIX + ".dead.lettered";

	/** Entries given up without a dead-letter stream (acknowledged, logged at ERROR). */
	public static final String DROPPED = PREFIX + ".dropped";

	/** Deliveries skipped because their business key was already processed. */
	public static final String DUPLICATES_SKIPPED = PREFIX + ".duplicates.skipped";

	/**
	 * Atomic steps of transactional bindings not applied because their entry was no longer this consumer's
	 * (taken over while its handler ran): its outputs were discarded, and the entry is processed by its owner.
	 */
	public static final String STEPS_DISCARDED = PREFIX + ".transaction.steps.discarded";

	/** Pending entries deleted from the stream (trimmed) before they were processed: lost messages. */
	public static final String LOST_TO_TRIMMING = PREFIX + ".lost.to.trimming";

	/**
	 * Changes of the partitions an instance owns (partition-assignment dynamic), tagged {@link #TAG_CHANGE}:
	 * taken, handed-over, released, lost.
	 */
	public static final String PARTITION_REBALANCES = PREFIX + ".partition.rebalances";

	/** Tag of {@link #PARTITION_REBALANCES}: what happened to the partition. */
	public static final String TAG_CHANGE = "change";

	// --- consumer timers ----------------------------------------------------------------------

	/** Time the handler took for one delivery, retries included. */
	public static final String HANDLER_DURATION = PREFIX + ".handler.duration";

	/** Time from the entry's creation (the time in its id) to its acknowledgement. */
	public static final String END_TO_END_LATENCY = PREFIX + ".end.to.end.latency";

	// --- consumer gauges (refreshed periodically from Redis) ----------------------------------

	/** Entries of the stream the group has not read yet. */
	public static final String LAG = PREFIX + ".lag";

	/** Entries delivered to the group and not acknowledged (the PEL size). */
	public static final String PENDING = PREFIX + ".pending";

	/** Age of the oldest pending entry (time since it was added to the stream). */
	public static final String PENDING_OLDEST_AGE = PREFIX + ".pending.oldest.age";

	/** Highest delivery count among the oldest pending entries. */
	public static final String PENDING_MAX_DELIVERIES = PREFIX + ".pending.max.deliveries";

	/** Entries in the stream ({@code XLEN}). */
	public static final String STREAM_LENGTH = PREFIX + ".stream.length";

	/** Entries in the binding's dead-letter stream. */
	public static final String DLQ_LENGTH = PREFIX + ".dlq.length";

	// --- producer -----------------------------------------------------------------------------

	/** Entries confirmed written by Redis. */
	public static final String SENT = PREFIX + ".sent";

	/** Sends that failed. */
	public static final String SEND_FAILED = PREFIX + ".send.failed";

	/** Entries removed by the retention trim. */
	public static final String TRIMMED = PREFIX + ".trimmed";

	/** Retention trims stopped short because a consumer group still needed the entries. */
	public static final String RETENTION_HELD_BACK = PREFIX + ".retention.held.back";

	private BinderMeters() {
	}

}
