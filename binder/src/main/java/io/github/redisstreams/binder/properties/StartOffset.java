package io.github.redisstreams.binder.properties;

/**
 * Where a consumer group that the binder creates starts reading. It has no effect on a group that
 * already exists: Redis keeps the group's own position.
 */
public enum StartOffset {

	/**
	 * From the first entry still in the stream ({@code XGROUP CREATE ... 0}).
	 */
	EARLIEST,

	/**
	 * Only entries added after the group was created ({@code XGROUP CREATE ... $}).
	 */
	LATEST

}
