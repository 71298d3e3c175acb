package io.github.redisstreams.benchmarks;

import java.util.Comparator;
import java.util.List;

/**
 * The rounds of one throughput figure.
 *
 * @param kind end-to-end, consume-only or produce-only
 * @param size payload size
 * @param implementation name of the implementation
 * @param concurrency consumers
 * @param messagesPerRound messages in each measured round
 * @param rounds the measured rounds
 * @param failure why the figure failed, or null
 */
record ThroughputResult(ThroughputBenchmark.Kind kind, PayloadSize size, String implementation, int concurrency,
		int messagesPerRound, List<Round> rounds, String failure) {

	boolean failed() {
		return this.failure != null;
	}

	double medianRate() {
		return Rounds.median(this.rounds.stream().map(Round::rate).toList());
	}

	/** The round whose rate is the median (lower median for an even count), for its CPU figures. */
	Round medianRound() {
		List<Round> sorted = this.rounds.stream().sorted(Comparator.comparingDouble(Round::rate)).toList();
		return sorted.get((sorted.size() - 1) / 2);
	}

	/** Mean 1-minute load average of the machine at the start of the rounds. */
	double loadAverage() {
		return this.rounds.stream().mapToDouble(Round::loadAverage).average().orElse(MachineInfo.loadAverage1());
	}

	/**
	 * @param rate messages per second
	 * @param cpu CPU used by the JVM and Redis during the round
	 * @param loadAverage the machine's 1-minute load average when the round started
	 * @param sendShare end to end: when the producer's last send returned, as a share of the round (1.0: the
	 * consumers kept up with the producer to the end); NaN for the other kinds
	 * @param meanBatch mean messages per read (raw Lettuce) or per handler call (a batch consumer); NaN when
	 * the implementation does not tell
	 */
	record Round(double rate, CpuMeter.Usage cpu, double loadAverage, double sendShare, double meanBatch) {
	}

}
