package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.List;

/**
 * Recovery times of the pending entries of a dead consumer.
 *
 * @param claimIdleTime the binding's {@code claim-idle-time}
 * @param claimInterval the binding's {@code claim-interval}
 * @param claimBatchSize the binding's {@code claim-batch-size}, 0 for its default
 * @param seconds per round, from the death to the last entry processed
 * @param loadAverage the machine's 1-minute load average when the figure started
 * @param failure why the figure failed, or null
 */
record RecoveryResult(Duration claimIdleTime, Duration claimInterval, int claimBatchSize, List<Double> seconds,
		double loadAverage, String failure) {

	boolean failed() {
		return this.failure != null;
	}

	double median() {
		return Rounds.median(this.seconds);
	}

	double max() {
		return this.seconds.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
	}

}
