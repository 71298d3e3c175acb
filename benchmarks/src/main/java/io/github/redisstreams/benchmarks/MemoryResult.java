package io.github.redisstreams.benchmarks;

import java.util.List;

/**
 * Heap after GC over a long run of the binder.
 *
 * @param samples heap used after a full GC, by messages processed so far
 * @param seconds length of the run
 * @param streamLength entries left in the stream at the end (bounded by the producer's max-len)
 * @param loadAverage the machine's 1-minute load average when the run started
 * @param failure why the run failed, or null
 */
record MemoryResult(List<Sample> samples, double seconds, long streamLength, double loadAverage, String failure) {

	/** Largest growth of the heap after the first sample that still counts as steady. */
	static final long STEADY_MARGIN_BYTES = 8L * 1024 * 1024;

	boolean failed() {
		return this.failure != null;
	}

	/** Heap growth from the first sample (after warm-up) to the last. */
	long growthBytes() {
		return this.samples.get(this.samples.size() - 1).heapBytes() - this.samples.get(0).heapBytes();
	}

	boolean steady() {
		return !failed() && this.samples.size() > 1 && growthBytes() < STEADY_MARGIN_BYTES;
	}

	String summary() {
		return this.samples.stream()
			.map((sample) -> String.format("%,d: %.1f MiB", sample.processed(), sample.heapBytes() / 1048576.0))
			.toList()
			.toString();
	}

	/**
	 * @param processed messages processed when measured
	 * @param heapBytes heap used after a full GC
	 */
	record Sample(long processed, long heapBytes) {
	}

}
