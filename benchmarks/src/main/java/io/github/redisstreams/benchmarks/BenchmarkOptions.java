package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to run, from {@code name=value} arguments ({@code -Dbench.args="..."} on the Maven command
 * line). Every option has a default that runs the whole suite in about ten minutes on two cores.
 */
final class BenchmarkOptions {

	static final Set<String> SECTIONS = Set.of("throughput", "consume", "produce", "latency", "recovery", "memory",
			"processor", "markers");

	static final Set<String> IMPLEMENTATIONS = Set.of("raw", "binder", "binder-batch", "raw-to-binder", "raw-to-binder-batch",
			"sdr", "kafka", "binder-tx", "binder-tx-write", "framework", "binder-unconsolidated");

	static final Set<String> NAMES = Set.of("redis-url", "only", "implementations", "concurrency", "payloads", "rates",
			"rounds", "round-seconds", "read-count", "latency-windows", "latency-window-seconds", "memory-messages",
			"memory-chunks", "markers", "output");

	private final Map<String, String> values;

	private BenchmarkOptions(Map<String, String> values) {
		this.values = values;
	}

	static BenchmarkOptions parse(String[] args) {
		Map<String, String> values = new HashMap<>();
		for (String arg : args) {
			if (arg.isBlank()) {
				continue;
			}
			int equals = arg.indexOf('=');
			if (equals <= 0) {
				throw new IllegalArgumentException("Arguments are name=value, got '" + arg + "'");
			}
			String name = arg.substring(0, equals).trim();
			if (!NAMES.contains(name)) {
				throw new IllegalArgumentException("Unknown argument '" + name + "'; known: " + NAMES);
			}
			values.put(name, arg.substring(equals + 1).trim());
		}
		BenchmarkOptions options = new BenchmarkOptions(values);
		options.check("only", options.sections(), SECTIONS);
		options.check("implementations", options.implementations(), IMPLEMENTATIONS);
		return options;
	}

	/** {@code redis-url}, else {@code SPRING_DATA_REDIS_URL}, else {@code redis://localhost:6379}. */
	String redisUrl() {
		String url = this.values.get("redis-url");
		if (url == null) {
			url = System.getenv("SPRING_DATA_REDIS_URL");
		}
		if (url == null || url.isBlank()) {
			url = System.getProperty("spring.data.redis.url", "redis://localhost:6379");
		}
		return url;
	}

	/**
	 * {@code only}: the scenarios to run, all but {@code processor} by default; {@code processor} (the binder's
	 * {@code Function} between two streams, at-least-once and transactional) runs only when named.
	 */
	List<String> sections() {
		return list("only", "throughput,consume,produce,latency,recovery,memory,markers");
	}

	boolean runs(String section) {
		return sections().contains(section);
	}

	/**
	 * {@code implementations}: raw, binder, framework (Spring Cloud Stream's test binder, no transport), sdr, kafka
	 * by default; on demand binder-batch (the binder with a
	 * batch consumer), and for diagnosis raw-to-binder and raw-to-binder-batch (the raw Lettuce producer
	 * feeding the binder's consumer, message at a time or batch). In the {@code processor} scenario, binder is
	 * the processor at-least-once, binder-tx the processor with {@code transactional: true} and binder-tx-write the
	 * same with one {@code HINCRBY} per message through {@code RedisStreamTransaction}; the other scenarios ignore
	 * binder-tx and binder-tx-write.
	 */
	List<String> implementations() {
		return list("implementations", "raw,binder,framework,sdr,kafka");
	}

	/** {@code concurrency}: the consumer concurrencies of the throughput scenarios. */
	List<Integer> concurrencies() {
		return list("concurrency", "1,4").stream().map(Integer::valueOf).toList();
	}

	/** {@code payloads}: small (~200 B), large (~2 KB) or both, for the throughput scenarios. */
	List<PayloadSize> payloads() {
		return list("payloads", "small,large").stream().map((name) -> PayloadSize.valueOf(name.toUpperCase())).toList();
	}

	/** {@code rates}: the offered rates of the latency scenario, in messages per second. */
	List<Integer> rates() {
		return list("rates", "5000,20000").stream().map(Integer::valueOf).toList();
	}

	/** {@code rounds}: measured rounds per figure (the median is reported). */
	int rounds() {
		return integer("rounds", 3);
	}

	/** {@code round-seconds}: the aimed length of a throughput round; its message count follows. */
	Duration roundLength() {
		return Duration.ofMillis((long) (Double.parseDouble(this.values.getOrDefault("round-seconds", "2")) * 1000));
	}

	/** {@code read-count}: {@code XREADGROUP COUNT} of the binder, raw Lettuce and the container. */
	int readCount() {
		return integer("read-count", 100);
	}

	/** {@code latency-windows}: measured windows of the latency scenario (median reported). */
	int latencyWindows() {
		return integer("latency-windows", 3);
	}

	/** {@code latency-window-seconds}: length of each latency window. */
	int latencyWindowSeconds() {
		return integer("latency-window-seconds", 4);
	}

	/** {@code memory-messages}: messages processed between heap measurements of the memory run. */
	int memoryChunk() {
		return integer("memory-messages", 300_000);
	}

	/** {@code memory-chunks}: number of heap measurements after the first. */
	int memoryChunks() {
		return integer("memory-chunks", 4);
	}

	/** {@code markers}: idempotency markers written per layout by the {@code markers} scenario. */
	int markers() {
		return integer("markers", 200_000);
	}

	/** {@code output}: where the Markdown report is written, besides standard output. */
	String output() {
		return this.values.getOrDefault("output", "target/benchmark-results.md");
	}

	private int integer(String name, int defaultValue) {
		return Integer.parseInt(this.values.getOrDefault(name, Integer.toString(defaultValue)));
	}

	private List<String> list(String name, String defaultValue) {
		return Arrays.stream(this.values.getOrDefault(name, defaultValue).split(","))
			.map(String::trim)
			.filter((value) -> !value.isEmpty())
			.toList();
	}

	private void check(String name, List<String> given, Set<String> known) {
		for (String value : given) {
			if (!known.contains(value)) {
				throw new IllegalArgumentException(name + " takes " + known + ", got '" + value + "'");
			}
		}
	}

}
