package io.github.redisstreams.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Runs the benchmark suite against the Redis of {@code redis-url} / {@code SPRING_DATA_REDIS_URL}
 * (default localhost:6379) and prints a Markdown report; exits with status 1 when a scenario failed
 * (a message lost or duplicated, an entry left unacknowledged, a timeout).
 * <p>
 * The Redis implementations (raw Lettuce, the binder, the Spring Data Redis container) run side by
 * side, each on its own stream, with their throughput rounds interleaved so that all of them meet the
 * same load from the rest of the machine; idle, they wait in a blocking read and cost nothing. The
 * Kafka binder runs last, once its in-process broker is started.
 */
public final class BenchmarkMain {

	private final BenchmarkOptions options;

	private final RedisAdmin admin;

	private final JsonMapper mapper = JsonMapper.builder().build();

	private final OrderSink sink = new OrderSink();

	private final Report report = new Report();

	private final ThroughputBenchmark throughput;

	private final LatencyBenchmark latency;

	private BenchmarkMain(BenchmarkOptions options, RedisAdmin admin) {
		this.options = options;
		this.admin = admin;
		this.throughput = new ThroughputBenchmark(options, admin);
		this.latency = new LatencyBenchmark(options);
	}

	public static void main(String[] args) {
		BenchmarkOptions options = BenchmarkOptions.parse(args);
		Instant started = Instant.now();
		String loadAtStart = MachineInfo.loadAverages();
		Report report;
		try (RedisAdmin admin = new RedisAdmin(options.redisUrl())) {
			BenchmarkMain benchmark = new BenchmarkMain(options, admin);
			Progress.log("benchmarks against " + options.redisUrl() + ", load average " + loadAtStart);
			benchmark.runAll();
			report = benchmark.report;
			benchmark.describeRun(MachineInfo.collect(admin), started, loadAtStart);
		}
		String text = report.render();
		System.out.println(text);
		try {
			Path output = Path.of(options.output());
			Files.createDirectories(output.toAbsolutePath().getParent());
			Files.writeString(output, text);
			Progress.log("report written to " + output.toAbsolutePath());
		}
		catch (IOException ex) {
			Progress.log("could not write the report: " + ex);
		}
		System.exit(report.anyFailed() ? 1 : 0);
	}

	private void runAll() {
		// in the order given, so that which implementation goes first (and meets a JIT still compiling) can be varied
		List<String> known = List.of("raw", "binder", "binder-unconsolidated", "binder-batch", "raw-to-binder",
				"raw-to-binder-batch", "sdr", "framework");
		List<String> redisImplementations = this.options.implementations().stream().filter(known::contains).toList();
		boolean redisScenarios = List.of("throughput", "consume", "produce", "latency")
			.stream()
			.anyMatch(this.options::runs);
		for (int concurrency : this.options.concurrencies()) {
			if (redisImplementations.isEmpty() || !redisScenarios || !needed(concurrency)) {
				continue;
			}
			List<Transport> transports = new ArrayList<>();
			try {
				for (String implementation : redisImplementations) {
					// no transport, no consumers to run in parallel: one figure, beside the first concurrency's
					if (!implementation.equals("framework") || isFirst(concurrency)) {
						transports.add(redisTransport(implementation, concurrency));
					}
				}
				runScenarios(transports, concurrency);
			}
			catch (RuntimeException ex) {
				this.report.failure("Redis implementations with " + concurrency + " consumer(s): " + ex);
				Progress.log("x" + concurrency + " FAILED: " + ex);
			}
			finally {
				closeAll(transports);
			}
		}
		if (this.options.runs("processor")) {
			runProcessors();
		}
		if (this.options.implementations().contains("binder")) {
			RecoveryBenchmark recovery = new RecoveryBenchmark(this.options.redisUrl(), this.admin, this.sink,
					this.options.readCount());
			if (this.options.runs("recovery")) {
				this.report.add(recovery.run(Duration.ofSeconds(1), Duration.ofMillis(250), 0));
				this.report.add(recovery.run(Duration.ofSeconds(3), Duration.ofSeconds(1), 0));
				// all the dead consumer's entries in one claim: shows what the claim batches cost
				this.report.add(recovery.run(Duration.ofSeconds(1), Duration.ofMillis(250), RecoveryBenchmark.ENTRIES));
			}
			if (this.options.runs("memory")) {
				System.gc();
				this.report.add(new MemoryBenchmark(this.options.redisUrl(), this.admin, this.sink, this.options).run());
			}
		}
		if (this.options.implementations().contains("kafka")) {
			runKafka();
		}
		if (this.options.runs("markers")) {
			this.report.addMarkers(new MarkerMemoryBenchmark(this.options.redisUrl(), this.admin,
					this.options.markers()).run());
		}
	}

	/**
	 * The processor scenario: the binder's {@code Function} between two streams, at-least-once ({@code binder}),
	 * transactional ({@code binder-tx}) and transactional with a write of its own ({@code binder-tx-write}), side
	 * by side with their rounds interleaved.
	 */
	private void runProcessors() {
		List<RedisProcessorTransport.Mode> modes = List.of(RedisProcessorTransport.Mode.values())
			.stream()
			.filter((mode) -> this.options.implementations().contains(mode.option))
			.toList();
		if (modes.isEmpty()) {
			return;
		}
		for (int concurrency : this.options.concurrencies()) {
			List<Transport> transports = new ArrayList<>();
			try {
				for (RedisProcessorTransport.Mode mode : modes) {
					transports.add(new RedisProcessorTransport(this.options.redisUrl(), this.admin,
							"bench:processor:" + mode.option + ":c" + concurrency, concurrency, this.options.readCount(),
							this.sink, this.mapper, mode));
				}
				System.gc();
				for (PayloadSize size : this.options.payloads()) {
					this.report.addAll(this.throughput.run(ThroughputBenchmark.Kind.PROCESSOR, transports, size));
				}
			}
			catch (RuntimeException ex) {
				this.report.failure("processors with " + concurrency + " consumer(s): " + ex);
				Progress.log("processors x" + concurrency + " FAILED: " + ex);
			}
			finally {
				closeAll(transports);
			}
		}
	}

	private void runKafka() {
		Progress.log("starting the in-process Kafka broker");
		EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
		try {
			broker.afterPropertiesSet();
			for (int concurrency : this.options.concurrencies()) {
				if (!needed(concurrency)) {
					continue;
				}
				System.gc();
				try (Transport transport = new KafkaBinderTransport(broker, "bench-orders-c" + concurrency, concurrency,
						this.sink)) {
					runScenarios(List.of(transport), concurrency);
				}
				catch (RuntimeException ex) {
					this.report.failure("kafka with " + concurrency + " consumer(s): " + ex);
					Progress.log("kafka x" + concurrency + " FAILED: " + ex);
				}
			}
		}
		finally {
			broker.destroy();
		}
	}

	/** Scenarios beyond the first concurrency are only throughput and consume-only. */
	private boolean needed(int concurrency) {
		return isFirst(concurrency) || this.options.runs("throughput") || this.options.runs("consume");
	}

	private boolean isFirst(int concurrency) {
		return concurrency == this.options.concurrencies().get(0);
	}

	private void runScenarios(List<Transport> transports, int concurrency) {
		System.gc();
		if (this.options.runs("throughput")) {
			for (PayloadSize size : this.options.payloads()) {
				this.report.addAll(this.throughput.run(ThroughputBenchmark.Kind.END_TO_END, transports, size));
			}
		}
		if (this.options.runs("consume")) {
			this.report.addAll(this.throughput.run(ThroughputBenchmark.Kind.CONSUME_ONLY, transports, PayloadSize.SMALL));
		}
		if (!isFirst(concurrency)) {
			return;
		}
		if (this.options.runs("produce")) {
			for (PayloadSize size : this.options.payloads()) {
				this.report.addAll(this.throughput.run(ThroughputBenchmark.Kind.PRODUCE_ONLY, transports, size));
			}
		}
		if (this.options.runs("latency")) {
			for (int rate : this.options.rates()) {
				for (Transport transport : transports) {
					if (transport instanceof FrameworkTransport) {
						continue;
					}
					this.report.add(this.latency.run(transport, rate));
				}
			}
		}
	}

	private static void closeAll(List<Transport> transports) {
		for (Transport transport : transports) {
			try {
				transport.close();
			}
			catch (RuntimeException ex) {
				Progress.log("could not close " + transport.name() + ": " + ex);
			}
		}
	}

	private Transport redisTransport(String implementation, int concurrency) {
		String stream = "bench:" + implementation + ":c" + concurrency;
		String url = this.options.redisUrl();
		int readCount = this.options.readCount();
		return switch (implementation) {
			case "raw" -> new RawLettuceTransport(url, this.admin, stream, concurrency, readCount, this.sink,
					this.mapper);
			case "binder" -> new RedisBinderTransport(url, this.admin, stream, concurrency, readCount, this.sink,
					List.of());
			case "binder-unconsolidated" -> new RedisBinderTransport(url, this.admin, stream, concurrency, readCount,
					this.sink, List.of(RedisBinderTransport.UNCONSOLIDATED));
			case "binder-batch" -> new RedisBinderTransport(url, this.admin, stream, concurrency, readCount, this.sink,
					true, null, List.of());
			case "raw-to-binder" -> new RedisBinderTransport(url, this.admin, stream, concurrency, readCount, this.sink,
					false, this.mapper, List.of());
			case "raw-to-binder-batch" -> new RedisBinderTransport(url, this.admin, stream, concurrency, readCount,
					this.sink, true, this.mapper, List.of());
			case "framework" -> new FrameworkTransport("bench-framework", this.sink);
			case "sdr" -> new SpringDataRedisTransport(url, this.admin, stream, concurrency, readCount, this.sink,
					this.mapper);
			default -> throw new IllegalArgumentException(implementation);
		};
	}

	private void describeRun(MachineInfo machine, Instant started, String loadAtStart) {
		int readCount = this.options.readCount();
		Report out = this.report;
		out.header(String.format("Run %s, %d min %d s; load average (1/5/15 min) %s at the start, %s at the end.",
				started.truncatedTo(ChronoUnit.SECONDS), Duration.between(started, Instant.now()).toMinutesPart(),
				Duration.between(started, Instant.now()).toSecondsPart(), loadAtStart, MachineInfo.loadAverages()));
		out.header("");
		out.header("- Machine: " + machine.processors() + " processors, " + machine.cpuModel() + ", " + machine.memory()
				+ " memory, " + machine.os());
		out.header("- Java: " + machine.java() + ", " + String.join(" ",
				ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter((a) -> a.startsWith("-X")).toList()));
		out.header("- Redis " + machine.redis() + " at " + this.options.redisUrl().replaceAll("//[^@/]*@", "//")
				+ "; benchmark and Redis on the same machine");
		out.header(String.format("- Payload: JSON of an `Order`, %d B (~200 B) and %d B (~2 KB)",
				PayloadSize.SMALL.jsonBytes(this.mapper), PayloadSize.LARGE.jsonBytes(this.mapper)));
		out.header("- " + Report.BINDER + ": `StreamBridge.send` -> `Consumer<Order>`; "
				+ String.join(", ", RedisBinderTransport.settings(readCount).stream()
					.map((p) -> "`" + p.substring(p.indexOf(".consumer.") + 1) + "`")
					.toList())
				+ "; everything else at its default (`sync: false`, `max-in-flight: 10000`, acks coalesced per batch, "
				+ "`max-attempts: 3`)");
		if (this.options.implementations().contains("binder-batch")) {
			out.header("- " + Report.BINDER_BATCH + ": the same, but the input binding is a `Consumer<List<Order>>` "
					+ "with `batch-mode: true` (one handler call per read of up to " + readCount
					+ " entries, acknowledged together; no `batch-min-count`)");
		}
		if (this.options.implementations().contains("raw-to-binder")
				|| this.options.implementations().contains("raw-to-binder-batch")) {
			out.header("- " + Report.RAW_TO_BINDER + ", " + Report.RAW_TO_BINDER_BATCH + " (diagnosis): "
					+ Report.RAW + "'s producer writes the entries, the binder's consumer (`Consumer<Order>`, or "
					+ "`Consumer<List<Order>>` with `batch-mode: true`) reads them; binder settings as above");
		}
		if (this.options.runs("processor")) {
			out.header("- Processor scenario: a `Function<Order, Invoice>` bound to the input stream `<input>` "
					+ "(consumer settings as above) and an output binding to `{<input>}:out`; the input is written by "
					+ Report.RAW + "'s producer. \"" + Report.PROCESSOR + "\": the binder's defaults; \""
					+ Report.PROCESSOR_TX + "\": `transactional: true`; \"" + Report.PROCESSOR_TX_WRITE + "\": the same, "
					+ "plus `RedisStreamTransaction.current().hincrby(\"{<input>}:totals\", field, total)` per message "
					+ "(a hash of " + Invoice.TOTALS_FIELDS + " fields)");
		}
		out.header("- " + Report.RAW + ": `XADD` with auto-flush off, flushed every " + RawLettuceTransport.FLUSH_EVERY
				+ " commands, at most " + RawLettuceTransport.MAX_IN_FLIGHT + " in flight; `XREADGROUP COUNT "
				+ readCount + " BLOCK 250`, Jackson decode, one `XACK` per batch after the handler; same JSON and fields");
		out.header("- " + Report.SDR + ": `StringRedisTemplate.opsForStream().add` per message; "
				+ "`StreamMessageListenerContainer` with `batchSize(" + readCount + ")`, `pollTimeout(250 ms)`, one "
				+ "`receive` subscription per consumer, `acknowledge` per message");
		if (this.options.implementations().contains("binder-unconsolidated")) {
			out.header("- " + Report.BINDER_UNCONSOLIDATED + ": the binder with `consolidate-flushes: false`: every "
					+ "command written and flushed on its own, as before flush consolidation");
		}
		if (this.options.implementations().contains("framework")) {
			out.header("- " + Report.FRAMEWORK + ": the same application on Spring Cloud Stream's test binder: "
					+ "`StreamBridge.send`, the message taken from the `OutputDestination` and handed to the "
					+ "`InputDestination`, which calls the `Consumer<Order>` on the sending thread; no transport, end to "
					+ "end only: the framework's own JVM cost per message");
		}
		out.header("- Kafka binder (in-process KRaft broker): same application, Kafka binder defaults, single broker "
				+ "inside the benchmark JVM (spring-kafka-test), one partition per consumer");
		out.header("- Median of " + this.options.rounds() + " rounds after warm-up; every round checks that each "
				+ "message reached the consumer exactly once and nothing was left unacknowledged. "
				+ "CPU columns: cores used during the median round (1.00 = one core busy); JVM CPU us/msg is the "
				+ "benchmark JVM's CPU time per message, which other load on the machine disturbs less than msg/s, "
				+ "split into the producer thread, the consumer threads (with everything else in the JVM: for Kafka "
				+ "also the broker) and Lettuce's I/O threads.");
	}

}
