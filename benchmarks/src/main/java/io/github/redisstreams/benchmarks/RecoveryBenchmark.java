package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * How long after a consumer's death its pending entries are processed by a live consumer of the
 * group, for a given {@code claim-idle-time} and {@code claim-interval}.
 * <p>
 * A consumer reads {@value #ENTRIES} entries and vanishes without acknowledging them, like a process
 * killed right after its read. The live binder consumer is started at a different point of its
 * claim cycle in each round (0, 1/3 and 2/3 of {@code claim-interval} after the death), since its
 * claim schedule is independent of the moment of death. The time from the death to the last of the
 * entries processed should lie between {@code claim-idle-time} and {@code claim-idle-time +
 * claim-interval}, plus the processing.
 */
final class RecoveryBenchmark {

	static final int ENTRIES = 1_000;

	private static final int ROUNDS = 3;

	private final String redisUrl;

	private final RedisAdmin admin;

	private final OrderSink sink;

	private final int readCount;

	RecoveryBenchmark(String redisUrl, RedisAdmin admin, OrderSink sink, int readCount) {
		this.redisUrl = redisUrl;
		this.admin = admin;
		this.sink = sink;
		this.readCount = readCount;
	}

	/**
	 * @param claimBatchSize the binding's {@code claim-batch-size}, or 0 for its default
	 */
	RecoveryResult run(Duration claimIdleTime, Duration claimInterval, int claimBatchSize) {
		double load = MachineInfo.loadAverage1();
		String consumer = "spring.cloud.stream.redis.bindings." + BenchApplication.INPUT + ".consumer.";
		List<Double> seconds = new ArrayList<>();
		List<String> properties = new ArrayList<>(List.of(consumer + "claim-idle-time=" + claimIdleTime.toMillis() + "ms",
				consumer + "claim-interval=" + claimInterval.toMillis() + "ms"));
		if (claimBatchSize > 0) {
			properties.add(consumer + "claim-batch-size=" + claimBatchSize);
		}
		try (RedisBinderTransport binder = new RedisBinderTransport(this.redisUrl, this.admin, "bench:binder:recovery",
				1, this.readCount, this.sink, properties)) {
			for (int i = 0; i < ROUNDS; i++) {
				seconds.add(recover(binder, claimIdleTime, claimInterval.multipliedBy(i).dividedBy(ROUNDS)));
			}
			RecoveryResult result = new RecoveryResult(claimIdleTime, claimInterval, claimBatchSize, seconds, load, null);
			Progress.log("recovery, claim-idle-time " + claimIdleTime.toMillis() + " ms: " + seconds + " s");
			return result;
		}
		catch (RuntimeException ex) {
			Progress.log("recovery, claim-idle-time " + claimIdleTime.toMillis() + " ms FAILED: " + ex);
			return new RecoveryResult(claimIdleTime, claimInterval, claimBatchSize, seconds, load, ex.toString());
		}
	}

	private double recover(RedisBinderTransport binder, Duration claimIdleTime, Duration phase) {
		int round = Rounds.next();
		binder.reset();
		for (int seq = 0; seq < ENTRIES; seq++) {
			binder.send(PayloadSize.SMALL.order(round, seq, System.nanoTime()));
		}
		binder.awaitWritten(ENTRIES, Duration.ofSeconds(30));
		int left = this.admin.readAndVanish("bench:binder:recovery", RedisBinderTransport.GROUP, "crashed-consumer",
				ENTRIES);
		long diedAt = System.nanoTime();
		if (left != ENTRIES) {
			throw new ScenarioFailedException("the crashing consumer read " + left + " of " + ENTRIES + " entries");
		}
		LockSupport.parkNanos(phase.toNanos());
		DeliveryTracker tracker = new DeliveryTracker(round, ENTRIES);
		binder.startConsumers(tracker);
		if (!tracker.awaitAll(claimIdleTime.plusSeconds(30))) {
			tracker.verifyExactlyOnce("recovery");
		}
		double seconds = (tracker.completedAt() - diedAt) / 1e9;
		binder.stopConsumers();
		tracker.verifyExactlyOnce("recovery");
		if (binder.unacknowledged() != 0) {
			throw new ScenarioFailedException(binder.unacknowledged() + " recovered entries left unacknowledged");
		}
		return seconds;
	}

}
