package io.github.redisstreams.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.cluster.SlotHash;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Scaling evidence: the same partitioned destination on one Redis and on a Redis Cluster of three masters, in the
 * same run, with the Redis time each node spent. One application produces ({@code StreamBridge}, partitioned by
 * order id) and consumes every partition (static {@code instance-index-list}); per round it sends a fixed number of
 * orders and waits until all were consumed. Each Redis runs in a process of its own, started here.
 * <p>
 * On a machine with few cores the cluster cannot go faster than one Redis: its three processes share the cores with
 * the application. What it shows is the spread: the Redis CPU per shard, and the Redis cost per message, from which
 * the throughput each added shard can carry follows.
 * <p>
 * Arguments ({@code name=value}): {@code messages} per round (default 100000), {@code rounds} (3),
 * {@code partitions} (12), {@code destination} ({@code scaling}: its 12 partition streams fall 4/4/4 on the three
 * masters), {@code output} (target/scaling-results.md).
 */
public final class ScalingBenchmark {

	static final String FUNCTION = "scaledOrders";

	static final String INPUT = FUNCTION + "-in-0";

	static final String OUTPUT = "scaled-out-0";

	private final int messages;

	private final int rounds;

	private final int partitions;

	private final String destination;

	private final List<String> report = new ArrayList<>();

	private ScalingBenchmark(Map<String, String> options) {
		this.messages = Integer.parseInt(options.getOrDefault("messages", "100000"));
		this.rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
		this.partitions = Integer.parseInt(options.getOrDefault("partitions", "12"));
		this.destination = options.getOrDefault("destination", "scaling");
	}

	public static void main(String[] args) throws IOException {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		ScalingBenchmark benchmark = new ScalingBenchmark(options);
		Instant started = Instant.now();
		String load = MachineInfo.loadAverages();
		List<Result> results = benchmark.run();
		benchmark.render(results, started, load);
		String text = String.join("\n", benchmark.report) + "\n";
		System.out.println(text);
		Path output = Path.of(options.getOrDefault("output", "target/scaling-results.md"));
		Files.createDirectories(output.toAbsolutePath().getParent());
		Files.writeString(output, text);
		System.exit(0);
	}

	private List<Result> run() {
		List<Result> results = new ArrayList<>();
		try (RedisNodes one = RedisNodes.standalone(); RedisNodes cluster = RedisNodes.cluster(3);
				Topology standalone = new Topology("one Redis", one, this);
				Topology sharded = new Topology("cluster, 3 masters", cluster, this)) {
			// warm-up of both, then the rounds interleaved so that both meet the same load from the rest of the machine
			standalone.round(this.messages / 4);
			sharded.round(this.messages / 4);
			standalone.measureIdle();
			sharded.measureIdle();
			for (int round = 0; round < this.rounds; round++) {
				results.add(standalone.round(this.messages));
				results.add(sharded.round(this.messages));
				Progress.log("scaling round " + (round + 1) + ": " + results.get(results.size() - 2).summary() + " | "
						+ results.get(results.size() - 1).summary());
			}
		}
		return results;
	}

	private void render(List<Result> results, Instant started, String loadAtStart) {
		add("## Scaling: one Redis against a 3-master cluster");
		add("");
		add(String.format("Run %s, load average %s at the start, %s at the end; %d processors. %d orders per round "
				+ "(~200 B JSON), %d partitions of `%s`, %d rounds each, interleaved, after a warm-up; median round shown.",
				started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS), loadAtStart, MachineInfo.loadAverages(),
				Runtime.getRuntime().availableProcessors(), this.messages, this.partitions, this.destination,
				this.rounds));
		add("");
		add("| topology | msg/s | Redis CPU, all nodes (µs/msg) | of which added by the messages (µs/msg) | Redis command "
				+ "time (µs/msg) | per node: partitions, CPU µs/msg, share of the Redis CPU | idle CPU per node |");
		add("|---|---:|---:|---:|---:|---|---|");
		for (String topology : List.of("one Redis", "cluster, 3 masters")) {
			List<Result> mine = results.stream().filter((r) -> r.topology.equals(topology))
				.sorted(Comparator.comparingDouble(Result::messagesPerSecond)).toList();
			Result median = mine.get(mine.size() / 2);
			add(String.format("| %s | %,.0f | %.2f | %.2f | %.2f | %s | %s |", topology, median.messagesPerSecond(),
					median.cpuMicrosPerMessage(), median.marginalCpuMicrosPerMessage(), median.commandMicrosPerMessage(),
					median.perNode(), median.idle()));
		}
		add("");
		add("Redis command time per message and command (median round):");
		add("");
		for (String topology : List.of("one Redis", "cluster, 3 masters")) {
			List<Result> mine = results.stream().filter((r) -> r.topology.equals(topology))
				.sorted(Comparator.comparingDouble(Result::messagesPerSecond)).toList();
			add("- " + topology + ": " + mine.get(mine.size() / 2).perCommand());
		}
	}

	private void add(String line) {
		this.report.add(line);
	}

	/** One round's outcome on one topology. */
	record Result(String topology, int messages, Duration elapsed, Map<Integer, RedisNodes.NodeCost> costs,
			Map<Integer, Integer> partitionsPerNode, Map<Integer, Double> idleCpu) {

		/** The Redis CPU the messages added, all nodes: the round's CPU less what the nodes spend idle. */
		double marginalCpuMicrosPerMessage() {
			double idle = this.idleCpu.values().stream().mapToDouble(Double::doubleValue).sum()
					* (this.elapsed.toNanos() / 1e9);
			return (this.costs.values().stream().mapToDouble(RedisNodes.NodeCost::cpuSeconds).sum() - idle) * 1e6
					/ this.messages;
		}

		String idle() {
			return this.idleCpu.values().stream().map((cpu) -> String.format("%.1f%%", cpu * 100))
				.collect(Collectors.joining(" / "));
		}

		double messagesPerSecond() {
			return this.messages / (this.elapsed.toNanos() / 1e9);
		}

		double cpuMicrosPerMessage() {
			return this.costs.values().stream().mapToDouble(RedisNodes.NodeCost::cpuSeconds).sum() * 1e6 / this.messages;
		}

		double commandMicrosPerMessage() {
			return this.costs.values().stream().mapToLong(RedisNodes.NodeCost::commandMicros).sum()
					/ (double) this.messages;
		}

		String perNode() {
			double total = this.costs.values().stream().mapToDouble(RedisNodes.NodeCost::cpuSeconds).sum();
			return this.costs.entrySet().stream()
				.map((e) -> String.format("%d, %.2f, %.0f%%", this.partitionsPerNode.getOrDefault(e.getKey(), 0),
						e.getValue().cpuSeconds() * 1e6 / this.messages, 100 * e.getValue().cpuSeconds() / total))
				.collect(Collectors.joining(" / "));
		}

		String perCommand() {
			Map<String, long[]> sum = new TreeMap<>();
			this.costs.values().forEach((cost) -> cost.commands().forEach((name, calls) -> {
				long[] total = sum.computeIfAbsent(name, (n) -> new long[2]);
				total[0] += calls[0];
				total[1] += calls[1];
			}));
			return sum.entrySet().stream()
				.filter((e) -> e.getValue()[1] * 100 >= this.messages) // at least 0.01 µs/msg
				.sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
				.map((e) -> String.format("%s %.2f (%.3f calls/msg)", e.getKey(), e.getValue()[1] / (double) this.messages,
						e.getValue()[0] / (double) this.messages))
				.collect(Collectors.joining(", "));
		}

		String summary() {
			return String.format("%s %,.0f msg/s, Redis %.2f µs/msg [%s]", this.topology, messagesPerSecond(),
					cpuMicrosPerMessage(), perNode());
		}

	}

	/** The application on one topology, and its rounds. */
	private static final class Topology implements AutoCloseable {

		private final String name;

		private final RedisNodes nodes;

		private final ConfigurableApplicationContext app;

		private final StreamBridge bridge;

		private final LongAdder consumed;

		private final Map<Integer, Integer> partitionsPerNode = new LinkedHashMap<>();

		private int round;

		/** Redis CPU seconds per second of each node while the application idles (blocking reads, cluster bus). */
		private Map<Integer, Double> idleCpu = Map.of();

		Topology(String name, RedisNodes nodes, ScalingBenchmark benchmark) {
			this.name = name;
			this.nodes = nodes;
			String destination = benchmark.destination;
			for (int partition = 0; partition < benchmark.partitions; partition++) {
				int owner = nodes.masterOf(SlotHash.getSlot(destination + "-" + partition));
				this.partitionsPerNode.merge(owner, 1, Integer::sum);
			}
			String indexes = IntStream.range(0, benchmark.partitions).mapToObj(Integer::toString)
				.collect(Collectors.joining(","));
			this.app = new SpringApplicationBuilder(ScalingApplication.class).web(WebApplicationType.NONE)
				.logStartupInfo(false)
				.run("--spring.main.banner-mode=off", "--" + nodes.connectionProperty(),
						"--spring.cloud.stream.default-binder=redis",
						"--spring.cloud.function.definition=" + FUNCTION,
						"--spring.cloud.stream.output-bindings=scaled-out",
						"--spring.cloud.stream.bindings." + OUTPUT + ".destination=" + destination,
						"--spring.cloud.stream.bindings." + OUTPUT + ".producer.partition-count=" + benchmark.partitions,
						"--spring.cloud.stream.bindings." + OUTPUT + ".producer.partition-key-expression=payload.orderId",
						"--spring.cloud.stream.bindings." + INPUT + ".destination=" + destination,
						"--spring.cloud.stream.bindings." + INPUT + ".group=bench",
						"--spring.cloud.stream.bindings." + INPUT + ".consumer.partitioned=true",
						"--spring.cloud.stream.bindings." + INPUT + ".consumer.instance-count=" + benchmark.partitions,
						"--spring.cloud.stream.bindings." + INPUT + ".consumer.instance-index-list=" + indexes,
						"--spring.cloud.stream.redis.bindings." + INPUT + ".consumer.read-count=100",
						"--spring.cloud.stream.redis.bindings." + INPUT + ".consumer.block-timeout=250ms",
						"--logging.level.root=WARN");
			this.bridge = this.app.getBean(StreamBridge.class);
			this.consumed = this.app.getBean(ScalingApplication.class).consumed;
		}

		/** Reads each node's CPU over five seconds without traffic: the cost that does not depend on messages. */
		void measureIdle() {
			Map<Integer, RedisNodes.NodeCost> start = this.nodes.read();
			long began = System.nanoTime();
			LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
			double seconds = (System.nanoTime() - began) / 1e9;
			Map<Integer, Double> idle = new LinkedHashMap<>();
			this.nodes.read().forEach((port, cost) -> idle.put(port, cost.minus(start.get(port)).cpuSeconds() / seconds));
			this.idleCpu = idle;
		}

		Result round(int messages) {
			this.round++;
			long before = this.consumed.sum();
			Map<Integer, RedisNodes.NodeCost> start = this.nodes.read();
			long began = System.nanoTime();
			for (int i = 0; i < messages; i++) {
				this.bridge.send(OUTPUT, PayloadSize.SMALL.order(this.round, i, System.nanoTime()));
			}
			Instant deadline = Instant.now().plusSeconds(120);
			while (this.consumed.sum() - before < messages) {
				if (Instant.now().isAfter(deadline)) {
					throw new IllegalStateException(this.name + ": only " + (this.consumed.sum() - before) + " of "
							+ messages + " consumed within 120 s");
				}
				// a poll, not a spin: the machine's cores belong to Redis and the application
				LockSupport.parkNanos(1_000_000);
			}
			Duration elapsed = Duration.ofNanos(System.nanoTime() - began);
			Map<Integer, RedisNodes.NodeCost> end = this.nodes.read();
			Map<Integer, RedisNodes.NodeCost> spent = new LinkedHashMap<>();
			end.forEach((port, cost) -> spent.put(port, cost.minus(start.get(port))));
			return new Result(this.name, messages, elapsed, spent, this.partitionsPerNode, this.idleCpu);
		}

		@Override
		public void close() {
			this.app.close();
		}

	}

	/** The application: a partitioned producer binding and a {@code Consumer<Order>} that counts. */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ScalingApplication {

		final LongAdder consumed = new LongAdder();

		@Bean
		Consumer<Order> scaledOrders() {
			return (order) -> this.consumed.increment();
		}

	}

}
