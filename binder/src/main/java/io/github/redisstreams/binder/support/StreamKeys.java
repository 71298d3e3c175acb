package io.github.redisstreams.binder.support;

import io.lettuce.core.cluster.SlotHash;

/**
 * Names of the Redis keys the binder uses for a stream.
 * <p>
 * Every key derived from a stream (its dead-letter stream, its idempotency markers) carries the
 * stream's hash tag, so it lives in the stream's Redis Cluster slot and one Lua script may touch
 * both: {@code orders} gives {@code {orders}:order-service:dlq}; a stream name that already has a
 * hash tag, like {@code shop:{orders}}, keeps its own: {@code shop:{orders}:order-service:dlq}.
 */
public final class StreamKeys {

	/**
	 * Prefix of the generated group names of anonymous bindings.
	 */
	public static final String ANONYMOUS_GROUP_PREFIX = "anonymous.";

	private static final String PROCESSED = ":processed:";

	private StreamKeys() {
	}

	/**
	 * The stream key of a destination.
	 * @param keyPrefix the binder's key prefix (may be empty)
	 * @param destination the destination name
	 * @return the stream key
	 */
	public static String stream(String keyPrefix, String destination) {
		return keyPrefix + destination;
	}

	/**
	 * The stream key of one partition of a partitioned destination.
	 * @param stream the stream key of the destination
	 * @param partition the partition index
	 * @return {@code <stream>-<partition>}
	 */
	public static String partition(String stream, int partition) {
		return stream + "-" + partition;
	}

	/**
	 * The default dead-letter stream of a stream and group.
	 * @param stream the source stream
	 * @param group the consumer group
	 * @return {@code <tagged stream>:<group>:dlq}
	 */
	public static String deadLetterStream(String stream, String group) {
		return tagged(stream) + ":" + group + ":dlq";
	}

	/**
	 * The key prefix of the idempotency markers of a stream and group.
	 * @param stream the source stream
	 * @param group the consumer group
	 * @return {@code <tagged stream>:<group>:processed:}
	 */
	public static String processedMarkerPrefix(String stream, String group) {
		return tagged(stream) + ":" + group + PROCESSED;
	}

	/**
	 * A key as messages name it: an idempotency marker by the pattern of the markers of its stream and group
	 * ({@code {orders}:order-service:processed:*}), any other key as it is.
	 * @param key a Redis key
	 * @return the key, or the pattern of its markers
	 */
	public static String keyPattern(String key) {
		int tagEnd = hasHashTag(key) ? key.indexOf('}', key.indexOf('{') + 1) : -1;
		int marker = (tagEnd >= 0) ? key.indexOf(PROCESSED, tagEnd) : -1;
		return (marker >= 0) ? key.substring(0, marker + PROCESSED.length()) + "*" : key;
	}

	/**
	 * The key itself when it already holds a hash tag, otherwise the key wrapped in braces. A key with a '}'
	 * and no hash tag cannot be wrapped (the '}' would end the tag early): it gets a stand-in tag of the same
	 * cluster slot instead, {@code {slot-<n>}}.
	 * @param key a Redis key
	 * @return a key with a hash tag in the same Redis Cluster slot as {@code key}
	 */
	public static String tagged(String key) {
		if (hasHashTag(key)) {
			return key;
		}
		if (key.indexOf('}') < 0) {
			return "{" + key + "}";
		}
		int slot = SlotHash.getSlot(key);
		// one slot in 16384 matches; a few thousand CRC16 of short strings, once per binding
		for (int n = 0;; n++) {
			String standIn = "slot-" + n;
			if (SlotHash.getSlot(standIn) == slot) {
				return "{" + standIn + "}";
			}
		}
	}

	/**
	 * Whether Redis Cluster would hash only a part of this key: a '{' followed later by a '}' with at
	 * least one character between them (the rule of the cluster specification).
	 * @param key a Redis key
	 * @return true when the key has a hash tag
	 */
	public static boolean hasHashTag(String key) {
		int open = key.indexOf('{');
		if (open < 0) {
			return false;
		}
		int close = key.indexOf('}', open + 1);
		return close > open + 1;
	}

	/**
	 * The part of a key that Redis Cluster hashes.
	 * @param key a Redis key
	 * @return the hash tag's content, or the whole key when it has none
	 */
	public static String hashedPart(String key) {
		if (!hasHashTag(key)) {
			return key;
		}
		int open = key.indexOf('{');
		return key.substring(open + 1, key.indexOf('}', open + 1));
	}

}
