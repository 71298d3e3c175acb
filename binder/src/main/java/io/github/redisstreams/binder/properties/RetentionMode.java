package io.github.redisstreams.binder.properties;

/**
 * How a producer applies {@code max-len} and {@code max-age} to its stream.
 */
public enum RetentionMode {

	/**
	 * Trim periodically, but never past an entry that some consumer group has not read yet or still
	 * has pending; when a slow group holds retention back the binder logs a warning and counts it.
	 */
	SAFE,

	/**
	 * Trim exactly as configured ({@code XADD ... MAXLEN ~ n}), even entries that a group has not
	 * read yet. For streams whose readers can afford to miss entries (caches, metrics, telemetry).
	 */
	CAPPED

}
