package io.github.redisstreams.benchmarks;

/**
 * End-to-end latency of one implementation at one offered rate; percentiles in milliseconds, the
 * median over the measured windows (max: the largest of all windows).
 *
 * @param implementation name of the implementation
 * @param offeredRate messages per second sent on schedule
 * @param achievedRate messages per second delivered while sending
 * @param saturated whether the consumers fell behind the schedule (no percentiles then)
 * @param p50 median latency
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest latency seen
 * @param loadAverage the machine's 1-minute load average when the figure started
 * @param failure why the figure failed, or null
 */
record LatencyResult(String implementation, int offeredRate, double achievedRate, boolean saturated, double p50,
		double p99, double p999, double max, double loadAverage, String failure) {

	static LatencyResult failed(String implementation, int rate, double load, String failure) {
		return new LatencyResult(implementation, rate, Double.NaN, false, Double.NaN, Double.NaN, Double.NaN,
				Double.NaN, load, failure);
	}

	boolean failed() {
		return this.failure != null;
	}

	String summary() {
		if (this.saturated) {
			return String.format("saturated, %,.0f msg/s delivered", this.achievedRate);
		}
		return String.format("p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms", this.p50, this.p99, this.p999,
				this.max);
	}

}
