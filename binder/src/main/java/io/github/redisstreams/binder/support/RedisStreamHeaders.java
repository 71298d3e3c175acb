package io.github.redisstreams.binder.support;

/**
 * Headers the binder adds to every message it delivers. They describe where the message came from;
 * the binder never writes headers with the {@code redis_} prefix back to a stream.
 */
public final class RedisStreamHeaders {

	/**
	 * Prefix of the binder's own headers.
	 */
	public static final String PREFIX = "redis_";

	/**
	 * The stream key the entry was read from.
	 */
	public static final String STREAM = PREFIX + "stream";

	/**
	 * The entry id, e.g. {@code 1700000000000-0}.
	 */
	public static final String ENTRY_ID = PREFIX + "entryId";

	/**
	 * The consumer group that delivered the entry.
	 */
	public static final String GROUP = PREFIX + "group";

	/**
	 * The consumer (within the group) the entry was delivered to.
	 */
	public static final String CONSUMER = PREFIX + "consumer";

	/**
	 * How many times Redis has delivered this entry to the group, this delivery included
	 * ({@code Integer}).
	 */
	public static final String DELIVERY_COUNT = PREFIX + "deliveryCount";

	/**
	 * With {@code ack-mode: manual}: the {@link RedisStreamAcknowledgment} with which the application settles
	 * the entry.
	 */
	public static final String ACKNOWLEDGMENT = PREFIX + "acknowledgment";

	private RedisStreamHeaders() {
	}

}
