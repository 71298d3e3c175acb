package io.github.redisstreams.benchmarks;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the binder's heap grows with the number of messages processed: a long end-to-end run
 * (binder only, one consumer, small payload), with the heap measured after a full GC before it and
 * after each {@code memory-messages} messages. The producer caps the stream with {@code max-len}
 * (safe retention, the default mode), as a long-running application would.
 */
final class MemoryBenchmark {

	private static final String STREAM = "bench:binder:memory";

	private final String redisUrl;

	private final RedisAdmin admin;

	private final OrderSink sink;

	private final BenchmarkOptions options;

	MemoryBenchmark(String redisUrl, RedisAdmin admin, OrderSink sink, BenchmarkOptions options) {
		this.redisUrl = redisUrl;
		this.admin = admin;
		this.sink = sink;
		this.options = options;
	}

	MemoryResult run() {
		double load = MachineInfo.loadAverage1();
		List<MemoryResult.Sample> samples = new ArrayList<>();
		String producer = "spring.cloud.stream.redis.bindings." + BenchApplication.OUTPUT + ".producer.";
		try (RedisBinderTransport binder = new RedisBinderTransport(this.redisUrl, this.admin, STREAM, 1,
				this.options.readCount(), this.sink, List.of(producer + "max-len=100000"))) {
			binder.reset();
			binder.startConsumers(new DeliveryTracker(0, 1));
			long processed = 0;
			long started = System.nanoTime();
			processed += chunk(binder, 100_000);
			samples.add(new MemoryResult.Sample(processed, heapAfterGc()));
			for (int i = 0; i < this.options.memoryChunks(); i++) {
				processed += chunk(binder, this.options.memoryChunk());
				samples.add(new MemoryResult.Sample(processed, heapAfterGc()));
			}
			double seconds = (System.nanoTime() - started) / 1e9;
			binder.stopConsumers();
			long length = this.admin.length(STREAM);
			MemoryResult result = new MemoryResult(samples, seconds, length, load, null);
			Progress.log("memory: " + result.summary());
			return result;
		}
		catch (RuntimeException ex) {
			Progress.log("memory FAILED: " + ex);
			return new MemoryResult(samples, Double.NaN, -1, load, ex.toString());
		}
	}

	/** Sends and receives one chunk with the consumers running throughout. */
	private long chunk(RedisBinderTransport binder, int messages) {
		int round = Rounds.next();
		DeliveryTracker tracker = new DeliveryTracker(round, messages);
		this.sink.track(tracker);
		for (int seq = 0; seq < messages; seq++) {
			binder.send(PayloadSize.SMALL.order(round, seq, System.nanoTime()));
		}
		if (!tracker.awaitAll(Duration.ofSeconds(60 + messages / 5_000))) {
			tracker.verifyExactlyOnce("memory run");
		}
		tracker.verifyExactlyOnce("memory run");
		return messages;
	}

	static long heapAfterGc() {
		System.gc();
		System.gc();
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

}
