package io.github.redisstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Round numbers, unique within a run, so that a message left over from an earlier round is recognised
 * as a stray; and the median of round figures.
 */
final class Rounds {

	private static final AtomicInteger last = new AtomicInteger();

	private Rounds() {
	}

	static int next() {
		return last.incrementAndGet();
	}

	static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(null);
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
	}

}
