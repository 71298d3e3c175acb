package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * End-to-end latency at a fixed offered rate: one producer thread sends on a fixed schedule, each
 * message carrying its scheduled send time, so that a producer held up by the transport shows as
 * latency rather than hiding it; the consumer records delivery time minus that time. After a
 * two-second warm-up, {@code latency-windows} windows of {@code latency-window-seconds} are measured
 * and the median of each percentile over the windows is reported. When the producer or the consumers
 * fall more than one second behind the schedule the implementation is reported as saturated at that
 * rate.
 */
final class LatencyBenchmark {

	private static final int WARM_UP_SECONDS = 2;

	private final BenchmarkOptions options;

	LatencyBenchmark(BenchmarkOptions options) {
		this.options = options;
	}

	LatencyResult run(Transport transport, int rate) {
		double load = MachineInfo.loadAverage1();
		try {
			LatencyResult result = measure(transport, rate, load);
			Progress.log("latency at " + rate + " msg/s " + transport.name() + ": " + result.summary());
			return result;
		}
		catch (RuntimeException ex) {
			Progress.log("latency at " + rate + " msg/s " + transport.name() + " FAILED: " + ex);
			try {
				transport.stopConsumers();
			}
			catch (RuntimeException stopFailure) {
				Progress.log("could not stop the consumers of " + transport.name() + ": " + stopFailure);
			}
			return LatencyResult.failed(transport.name(), rate, load, ex.toString());
		}
	}

	private LatencyResult measure(Transport transport, int rate, double load) {
		int windows = this.options.latencyWindows();
		long warmUp = (long) rate * WARM_UP_SECONDS;
		long perWindow = (long) rate * this.options.latencyWindowSeconds();
		long total = warmUp + perWindow * windows;
		int round = Rounds.next();
		transport.reset();
		DeliveryTracker tracker = new DeliveryTracker(round, total, warmUp, perWindow, windows);
		transport.startConsumers(tracker);
		long intervalNanos = 1_000_000_000L / rate;
		long backlogLimit = rate;
		long start = System.nanoTime() + 1_000_000;
		long seq = 0;
		boolean saturated = false;
		while (seq < total) {
			long due = Math.min(total, (System.nanoTime() - start) / intervalNanos + 1);
			while (seq < due) {
				transport.send(PayloadSize.SMALL.order(round, seq, start + seq * intervalNanos));
				seq++;
			}
			transport.endOfBurst();
			// behind schedule by more than a second, on the producer's side or the consumers'
			boolean producerBehind = System.nanoTime() - (start + seq * intervalNanos) > 1_000_000_000L;
			if (seq > warmUp && (producerBehind || seq - tracker.distinct() > backlogLimit)) {
				saturated = true;
				break;
			}
			LockSupport.parkNanos(start + seq * intervalNanos - System.nanoTime());
		}
		long sent = seq;
		double sendSeconds = (System.nanoTime() - start) / 1e9;
		double achieved = tracker.distinct() / sendSeconds;
		if (!tracker.awaitDistinct(sent, Duration.ofSeconds(60))) {
			tracker.verifyExactlyOnce("latency round");
		}
		transport.stopConsumers();
		if (tracker.distinct() != sent || tracker.duplicates() != 0 || tracker.strays() != 0) {
			throw new ScenarioFailedException("latency round: " + (sent - tracker.distinct()) + " of " + sent
					+ " lost, " + tracker.duplicates() + " duplicated, " + tracker.strays() + " strays");
		}
		if (transport.unacknowledged() != 0) {
			throw new ScenarioFailedException(transport.unacknowledged() + " delivered messages left unacknowledged");
		}
		if (saturated) {
			return new LatencyResult(transport.name(), rate, achieved, true, Double.NaN, Double.NaN, Double.NaN,
					Double.NaN, load, null);
		}
		List<Histogram> measured = new ArrayList<>();
		for (int i = 0; i < windows; i++) {
			measured.add(tracker.window(i));
		}
		return new LatencyResult(transport.name(), rate, achieved, false, medianMillis(measured, 50),
				medianMillis(measured, 99), medianMillis(measured, 99.9), maxMillis(measured), load, null);
	}

	private static double medianMillis(List<Histogram> windows, double percentile) {
		return Rounds.median(windows.stream().map((h) -> h.getValueAtPercentile(percentile) / 1e6).toList());
	}

	private static double maxMillis(List<Histogram> windows) {
		return windows.stream().mapToDouble((h) -> h.getMaxValue() / 1e6).max().orElse(Double.NaN);
	}

}
