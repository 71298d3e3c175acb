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
	 * @param entryMemory produce-only: what Redis holds per written entry; null for the other kinds
	 */
	record Round(double rate, CpuMeter.Usage cpu, double loadAverage, double sendShare, double meanBatch,
			EntryMemory entryMemory) {

		Round(double rate, CpuMeter.Usage cpu, double loadAverage, double sendShare, double meanBatch) {
			this(rate, cpu, loadAverage, sendShare, meanBatch, null);
		}

	}

	/**
	 * Redis memory per retained entry after a produce-only round, the stream holding every entry written.
	 *
	 * @param memoryUsageBytes {@code MEMORY USAGE stream SAMPLES 0} divided by the entries
	 * @param usedMemoryBytes growth of {@code INFO memory used_memory} over the round, divided by the entries
	 * @param fields the fields of one entry and their sizes, e.g. {@code payload (190 B), contentType (16 B)}
	 */
	record EntryMemory(double memoryUsageBytes, double usedMemoryBytes, String fields) {
	}

}
