package io.github.redisstreams.binder.metrics;

/**
 * What a producer binding reports. Every method has a no-op default.
 */
public interface ProducerMetrics {

	/**
	 * Reports nothing.
	 */
	ProducerMetrics NOOP = new ProducerMetrics() {
	};

	/**
	 * One entry confirmed written by Redis.
	 */
	default void sent() {
	}

	/**
	 * One send that failed.
	 */
	default void sendFailed() {
	}

	/**
	 * Entries removed by the retention trim.
	 */
	default void trimmed(long count) {
	}

	/**
	 * One retention trim that stopped short of the requested cut because a consumer group has not read
	 * or still has pending entries beyond it.
	 */
	default void retentionHeldBack() {
	}

}
