package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Collects the figures of a run and renders them as Markdown: one table per scenario, each binder
 * figure next to the raw Lettuce baseline of the same run, and the targets met or missed.
 */
final class Report {

	static final String RAW = "raw Lettuce";

	static final String BINDER = "Redis Streams binder";

	static final String BINDER_BATCH = "Redis Streams binder, batch mode";

	static final String BINDER_UNCONSOLIDATED = "Redis Streams binder, flushes not consolidated";

	static final String RAW_TO_BINDER = "raw Lettuce producer -> binder consumer";

	static final String RAW_TO_BINDER_BATCH = "raw Lettuce producer -> binder batch consumer";

	static final String SDR = "Spring Data Redis container";

	static final String FRAMEWORK = "Spring Cloud Stream, test binder (no transport)";

	static final String KAFKA = "Kafka binder (in-process KRaft broker)";

	static final String PROCESSOR = "binder processor, at-least-once";

	static final String PROCESSOR_TX = "binder processor, transactional";

	static final String PROCESSOR_TX_WRITE = "binder processor, transactional + HINCRBY";

	private final List<String> header = new ArrayList<>();

	private final List<ThroughputResult> throughput = new ArrayList<>();

	private final List<LatencyResult> latency = new ArrayList<>();

	private final List<RecoveryResult> recovery = new ArrayList<>();

	private MemoryResult memory;

	private List<MarkerMemoryBenchmark.MarkerResult> markers = List.of();

	private final List<String> failures = new ArrayList<>();

	void header(String line) {
		this.header.add(line);
	}

	void add(ThroughputResult result) {
		this.throughput.add(result);
		if (result.failed()) {
			this.failures.add(result.kind().label + " " + result.size().label() + " x" + result.concurrency() + " "
					+ result.implementation() + ": " + result.failure());
		}
	}

	void addAll(List<ThroughputResult> results) {
		results.forEach(this::add);
	}

	void add(LatencyResult result) {
		this.latency.add(result);
		if (result.failed()) {
			this.failures.add("latency at " + result.offeredRate() + " msg/s " + result.implementation() + ": "
					+ result.failure());
		}
	}

	void add(RecoveryResult result) {
		this.recovery.add(result);
		if (result.failed()) {
			this.failures.add("recovery with claim-idle-time " + result.claimIdleTime().toMillis() + " ms: "
					+ result.failure());
		}
	}

	void add(MemoryResult result) {
		this.memory = result;
		if (result.failed()) {
			this.failures.add("memory: " + result.failure());
		}
	}

	void addMarkers(List<MarkerMemoryBenchmark.MarkerResult> results) {
		this.markers = results;
	}

	void failure(String what) {
		this.failures.add(what);
	}

	boolean anyFailed() {
		return !this.failures.isEmpty();
	}

	String render() {
		StringBuilder out = new StringBuilder();
		out.append("# Benchmark results\n\n");
		this.header.forEach((line) -> out.append(line).append('\n'));
		for (ThroughputBenchmark.Kind kind : ThroughputBenchmark.Kind.values()) {
			if (kind == ThroughputBenchmark.Kind.PROCESSOR) {
				renderProcessor(out);
			}
			else {
				renderThroughput(out, kind);
			}
		}
		renderLatency(out);
		renderRecovery(out);
		renderMemory(out);
		renderMarkers(out);
		renderTargets(out);
		if (!this.failures.isEmpty()) {
			out.append("\n## FAILED\n\n");
			this.failures.forEach((failure) -> out.append("- ").append(failure).append('\n'));
		}
		return out.toString();
	}

	private void renderThroughput(StringBuilder out, ThroughputBenchmark.Kind kind) {
		List<ThroughputResult> rows = this.throughput.stream().filter((row) -> row.kind() == kind).toList();
		if (rows.isEmpty()) {
			return;
		}
		out.append("\n## ").append(capitalized(kind.label)).append(" throughput\n\n");
		out.append(switch (kind) {
			case END_TO_END -> "One producer thread sends as fast as it can while the consumers run; timed from the "
					+ "first send to the last message counted by the `Consumer<Order>`.\n";
			case CONSUME_ONLY -> "The consumers start on a stream (topic) filled beforehand; timed from the first "
					+ "delivery to the last.\n";
			case PRODUCE_ONLY -> "One producer thread, no consumer; timed until the broker confirmed every write.\n";
			case PROCESSOR -> throw new IllegalArgumentException("see renderProcessor");
		});
		out.append("\n| payload | consumers | implementation | msg/s (median) | rounds, msg/s | x raw Lettuce "
				+ "| JVM CPU | JVM CPU us/msg: total (producer + consumers + I/O) | Redis CPU | load 1m |\n");
		out.append("|---|---:|---|---:|---|---:|---:|---:|---:|---:|\n");
		for (ThroughputResult row : rows) {
			out.append("| ").append(row.size().label()).append(" | ");
			out.append((kind == ThroughputBenchmark.Kind.PRODUCE_ONLY) ? "-" : Integer.toString(row.concurrency()));
			out.append(" | ").append(row.implementation()).append(" | ");
			if (row.failed()) {
				out.append("**FAILED** | ").append(row.failure().replace('|', '/')).append(" | | | | | ");
				out.append(load(row.loadAverage())).append(" |\n");
				continue;
			}
			ThroughputResult.Round median = row.medianRound();
			out.append(String.format("%,.0f", row.medianRate())).append(" | ");
			out.append(String.join(" / ", row.rounds().stream().map((r) -> String.format("%,.0f", r.rate())).toList()));
			out.append(String.format(" (%,d msgs each)", row.messagesPerRound())).append(" | ");
			out.append(ratioToRaw(row)).append(" | ");
			out.append(String.format("%.2f", median.cpu().jvmCores())).append(" | ");
			CpuMeter.Usage cpu = median.cpu();
			double perMessage = 1e6 / median.rate();
			out.append(String.format("%.1f (%.1f + %.1f + %.1f)", cpu.jvmCores() * perMessage,
					cpu.producerCores() * perMessage, cpu.otherCores() * perMessage, cpu.lettuceIoCores() * perMessage))
				.append(" | ");
			out.append(!usesRedis(row) ? "-" : String.format("%.2f", median.cpu().redisCores()));
			out.append(" | ").append(load(row.loadAverage())).append(" |\n");
		}
		if (kind == ThroughputBenchmark.Kind.END_TO_END) {
			renderPace(out, rows);
			renderOverhead(out, rows);
		}
		renderRedisWork(out, rows);
		if (kind == ThroughputBenchmark.Kind.PRODUCE_ONLY) {
			renderEntryMemory(out, rows);
		}
	}

	/** Redis implementations: rows whose Redis figures are the implementation's own. */
	private static boolean usesRedis(ThroughputResult row) {
		return !row.implementation().equals(KAFKA) && !row.implementation().equals(FRAMEWORK);
	}

	/**
	 * Redis's work per message, by command ({@code INFO commandstats} deltas of the median round), next to the
	 * {@code INFO cpu} figure. Each implementation ran alone against Redis during its rounds.
	 */
	private void renderRedisWork(StringBuilder out, List<ThroughputResult> rows) {
		List<ThroughputResult> redisRows = rows.stream().filter((row) -> !row.failed() && usesRedis(row)).toList();
		if (redisRows.isEmpty()) {
			return;
		}
		out.append("\nRedis's work per message in the median round of each figure, the implementation alone against "
				+ "Redis: CPU from `INFO cpu` (user + system; system is mostly socket reads and writes, which grow with "
				+ "the packets rather than the commands), commands per message and the time Redis spent in them from "
				+ "`INFO commandstats` (the benchmark's own `INFO`, `XLEN`, `XRANGE` and `MEMORY` left out), then each "
				+ "command: us per message (calls per message). A script's commands count under their own names as "
				+ "well as in its `evalsha`. Microseconds per message.\n\n");
		out.append("| payload | consumers | implementation | Redis CPU us/msg | of which system | x raw Lettuce "
				+ "| commands/msg | commandstats us/msg | by command: us/msg (calls/msg) |\n");
		out.append("|---|---:|---|---:|---:|---:|---:|---:|---|\n");
		for (ThroughputResult row : redisRows) {
			ThroughputResult.Round median = row.medianRound();
			CpuMeter.Usage cpu = median.cpu();
			double messages = median.rate() > 0 ? row.messagesPerRound() : Double.NaN;
			double perMessage = 1e6 / median.rate();
			Map<String, RedisAdmin.CommandStat> commands = cpu.implementationCommands();
			long calls = commands.values().stream().mapToLong(RedisAdmin.CommandStat::calls).sum();
			long micros = commands.values().stream().mapToLong(RedisAdmin.CommandStat::micros).sum();
			List<String> cells = commands.entrySet()
				.stream()
				.sorted(Comparator.comparingLong((Map.Entry<String, RedisAdmin.CommandStat> e) -> e.getValue().micros())
					.reversed())
				.filter((e) -> e.getValue().micros() / messages >= 0.005 || e.getValue().calls() / messages >= 0.001)
				.map((e) -> String.format("%s %.2f (%.3f)", e.getKey(), e.getValue().micros() / messages,
						e.getValue().calls() / messages))
				.toList();
			Optional<ThroughputResult> raw = rawFor(row);
			String ratio = row.implementation().equals(RAW) ? "1.00 (baseline)"
					: raw.map((r) -> String.format("%.2f", redisPerMessage(row) / redisPerMessage(r))).orElse("-");
			out.append(String.format("| %s | %s | %s | %.2f | %.2f | %s | %.3f | %.2f | %s |%n", row.size().label(),
					(row.kind() == ThroughputBenchmark.Kind.PRODUCE_ONLY) ? "-" : Integer.toString(row.concurrency()),
					row.implementation(), cpu.redisCores() * perMessage, cpu.redisSystemCores() * perMessage, ratio,
					calls / messages, micros / messages, cells.isEmpty() ? "-" : String.join(", ", cells)));
		}
	}

	/** Redis CPU (INFO cpu) per message of the median round, microseconds. */
	private static double redisPerMessage(ThroughputResult row) {
		ThroughputResult.Round median = row.medianRound();
		return median.cpu().redisCores() * 1e6 / median.rate();
	}

	/** JVM CPU per message of the median round, microseconds. */
	private static double jvmPerMessage(ThroughputResult row) {
		ThroughputResult.Round median = row.medianRound();
		return median.cpu().jvmCores() * 1e6 / median.rate();
	}

	/**
	 * The binder's own overhead per message end to end: its JVM CPU minus raw Lettuce's and minus the framework's
	 * (Spring Cloud Stream with no transport, same payload), and its Redis CPU against raw Lettuce's.
	 */
	private void renderOverhead(StringBuilder out, List<ThroughputResult> rows) {
		List<String> lines = new ArrayList<>();
		for (ThroughputResult row : rows) {
			if (row.failed() || !row.implementation().startsWith(BINDER)) {
				continue;
			}
			Optional<ThroughputResult> raw = rawFor(row);
			Optional<ThroughputResult> framework = rows.stream()
				.filter((other) -> !other.failed() && other.implementation().equals(FRAMEWORK)
						&& other.size() == row.size())
				.findFirst();
			if (raw.isEmpty()) {
				continue;
			}
			double binder = jvmPerMessage(row);
			double rawJvm = jvmPerMessage(raw.get());
			String frameworkCell = framework.map((f) -> String.format("%.1f", jvmPerMessage(f))).orElse("-");
			String overhead = framework
				.map((f) -> String.format("%+.1f", binder - rawJvm - jvmPerMessage(f)))
				.orElse("-");
			lines.add(String.format("| %s | %d | %s | %.1f | %s | %.1f | %s | %.2f | %.2f | %.2f |%n", row.size().label(),
					row.concurrency(), row.implementation(), rawJvm, frameworkCell, binder, overhead,
					redisPerMessage(raw.get()), redisPerMessage(row), redisPerMessage(row) / redisPerMessage(raw.get())));
		}
		if (lines.isEmpty()) {
			return;
		}
		out.append("\nThe binder's own overhead per message (median rounds; JVM and Redis CPU, microseconds per "
				+ "message): binder - (raw Lettuce + " + FRAMEWORK + " of the same payload). The framework row runs on "
				+ "the producer thread alone, so its figure is the same for every consumer count.\n\n");
		out.append("| payload | consumers | implementation | raw Lettuce JVM | framework JVM | binder JVM "
				+ "| overhead JVM | raw Lettuce Redis | binder Redis | Redis x raw |\n");
		out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
		lines.forEach(out::append);
	}

	/** Redis memory per retained entry after the produce-only rounds (median round). */
	private void renderEntryMemory(StringBuilder out, List<ThroughputResult> rows) {
		List<ThroughputResult> measured = rows.stream()
			.filter((row) -> !row.failed() && row.medianRound().entryMemory() != null)
			.toList();
		if (measured.isEmpty()) {
			return;
		}
		out.append("\nRedis memory per retained entry, the stream holding every entry of the median produce-only "
				+ "round (no consumer group has read it): `MEMORY USAGE stream SAMPLES 0` and the growth of "
				+ "`INFO memory used_memory` over the round, divided by the entries; and the fields of one entry.\n\n");
		out.append("| payload | implementation | MEMORY USAGE B/entry | x raw Lettuce | used_memory B/entry | fields |\n");
		out.append("|---|---|---:|---:|---:|---|\n");
		for (ThroughputResult row : measured) {
			ThroughputResult.EntryMemory memory = row.medianRound().entryMemory();
			String ratio = row.implementation().equals(RAW) ? "1.00 (baseline)"
					: rawFor(row).filter((r) -> r.medianRound().entryMemory() != null)
						.map((r) -> String.format("%.2f",
								memory.memoryUsageBytes() / r.medianRound().entryMemory().memoryUsageBytes()))
						.orElse("-");
			out.append(String.format("| %s | %s | %.0f | %s | %.0f | %s |%n", row.size().label(), row.implementation(),
					memory.memoryUsageBytes(), ratio, memory.usedMemoryBytes(), memory.fields()));
		}
	}

	/**
	 * Who set the pace of each end-to-end figure: when the last send returned, the CPU of each side, and how
	 * many messages the consumer took at once.
	 */
	private void renderPace(StringBuilder out, List<ThroughputResult> rows) {
		out.append("\nWho sets the pace, in the median round of each figure: when the producer's last send returned "
				+ "(share of the round; near 100% the consumers kept up and the producer set the pace, lower a backlog "
				+ "built up and the consumers set it), the cores used by the producer thread, the consumer threads "
				+ "(with the rest of the JVM), Lettuce's I/O threads and Redis, and the mean messages the consumer took "
				+ "at once (per read for raw Lettuce, per handler call for a batch consumer).\n\n");
		out.append("| payload | consumers | implementation | last send at | producer | consumers | Lettuce I/O | Redis "
				+ "| messages per read / handler call |\n");
		out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
		for (ThroughputResult row : rows) {
			if (row.failed()) {
				continue;
			}
			ThroughputResult.Round median = row.medianRound();
			CpuMeter.Usage cpu = median.cpu();
			boolean kafka = !usesRedis(row);
			out.append(String.format("| %s | %d | %s | %.0f%% | %.2f | %.2f | %s | %s | %s |%n", row.size().label(),
					row.concurrency(), row.implementation(), median.sendShare() * 100, cpu.producerCores(),
					cpu.otherCores(), kafka ? "-" : String.format("%.2f", cpu.lettuceIoCores()),
					kafka ? "-" : String.format("%.2f", cpu.redisCores()),
					Double.isNaN(median.meanBatch()) ? "-" : String.format("%.1f", median.meanBatch())));
		}
	}

	/**
	 * The processor scenario: each mode next to the at-least-once processor of the same run, with what the mode
	 * costs per message, and where Redis spends its time.
	 */
	private void renderProcessor(StringBuilder out) {
		List<ThroughputResult> rows = this.throughput.stream()
			.filter((row) -> row.kind() == ThroughputBenchmark.Kind.PROCESSOR)
			.toList();
		if (rows.isEmpty()) {
			return;
		}
		out.append("\n## Processor throughput\n\n");
		out.append("The binder's `Function<Order, Invoice>` reads the input stream and writes one invoice per order to "
				+ "`{<input>}:out`; raw Lettuce's producer fills the input while it runs. Timed from the first send until "
				+ "the output stream holds every invoice. `mode cost` is the difference to the at-least-once processor of "
				+ "the same run, per message: wall time (1/msg/s), JVM CPU and Redis CPU (median rounds).\n");
		out.append("\n| payload | consumers | implementation | msg/s (median) | rounds, msg/s | x at-least-once "
				+ "| last send at | JVM CPU | JVM CPU us/msg: total (producer + processor + I/O) | Redis CPU "
				+ "| Redis CPU us/msg | mode cost us/msg: wall / JVM / Redis | load 1m |\n");
		out.append("|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|\n");
		for (ThroughputResult row : rows) {
			out.append("| ").append(row.size().label()).append(" | ").append(row.concurrency());
			out.append(" | ").append(row.implementation()).append(" | ");
			if (row.failed()) {
				out.append("**FAILED** | ").append(row.failure().replace('|', '/')).append(" | | | | | | | | ");
				out.append(load(row.loadAverage())).append(" |\n");
				continue;
			}
			ThroughputResult.Round median = row.medianRound();
			CpuMeter.Usage cpu = median.cpu();
			double perMessage = 1e6 / median.rate();
			out.append(String.format("%,.0f", row.medianRate())).append(" | ");
			out.append(String.join(" / ", row.rounds().stream().map((r) -> String.format("%,.0f", r.rate())).toList()));
			out.append(String.format(" (%,d msgs each)", row.messagesPerRound())).append(" | ");
			Optional<ThroughputResult> base = find(PROCESSOR, row.kind(), row.size(), row.concurrency());
			if (row.implementation().equals(PROCESSOR)) {
				out.append("1.00 (baseline)");
			}
			else {
				out.append(base.map((b) -> String.format("%.2f", row.medianRate() / b.medianRate())).orElse("-"));
			}
			out.append(String.format(" | %.0f%% | %.2f | ", median.sendShare() * 100, cpu.jvmCores()));
			out.append(String.format("%.1f (%.1f + %.1f + %.1f)", cpu.jvmCores() * perMessage,
					cpu.producerCores() * perMessage, cpu.otherCores() * perMessage, cpu.lettuceIoCores() * perMessage));
			out.append(String.format(" | %.2f | %.1f | ", cpu.redisCores(), cpu.redisCores() * perMessage));
			if (row.implementation().equals(PROCESSOR) || base.isEmpty()) {
				out.append("-");
			}
			else {
				ThroughputResult.Round b = base.get().medianRound();
				double basePerMessage = 1e6 / b.rate();
				out.append(String.format("%+.1f / %+.1f / %+.1f", perMessage - basePerMessage,
						cpu.jvmCores() * perMessage - b.cpu().jvmCores() * basePerMessage,
						cpu.redisCores() * perMessage - b.cpu().redisCores() * basePerMessage));
			}
			out.append(" | ").append(load(row.loadAverage())).append(" |\n");
		}
		out.append("\nRedis time per message by command (`INFO commandstats`, median round): microseconds per message, "
				+ "and in brackets calls per message. A script's commands are counted under their own names as well as "
				+ "in its `evalsha`; `xlen` and `info` are the benchmark's own polling. Commands under 0.05 us/msg are "
				+ "left out.\n\n");
		out.append("| payload | consumers | implementation | Redis us/msg by command |\n|---|---:|---|---|\n");
		for (ThroughputResult row : rows) {
			if (row.failed()) {
				continue;
			}
			ThroughputResult.Round median = row.medianRound();
			double messages = row.messagesPerRound();
			List<String> cells = median.cpu()
				.redisCommands()
				.entrySet()
				.stream()
				.sorted(Comparator.comparingLong((Map.Entry<String, RedisAdmin.CommandStat> e) -> e.getValue().micros())
					.reversed())
				.filter((e) -> e.getValue().micros() / messages >= 0.05)
				.map((e) -> String.format("%s %.2f (%.3f)", e.getKey(), e.getValue().micros() / messages,
						e.getValue().calls() / messages))
				.toList();
			out.append(String.format("| %s | %d | %s | %s |%n", row.size().label(), row.concurrency(),
					row.implementation(), cells.isEmpty() ? "-" : String.join(", ", cells)));
		}
	}

	private String ratioToRaw(ThroughputResult row) {
		Optional<ThroughputResult> raw = rawFor(row);
		if (raw.isEmpty()) {
			return "-";
		}
		if (row.implementation().equals(RAW)) {
			return "1.00 (baseline)";
		}
		return String.format("%.2f", row.medianRate() / raw.get().medianRate());
	}

	private Optional<ThroughputResult> rawFor(ThroughputResult row) {
		return find(RAW, row.kind(), row.size(), row.concurrency());
	}

	private Optional<ThroughputResult> find(String implementation, ThroughputBenchmark.Kind kind, PayloadSize size,
			int concurrency) {
		return this.throughput.stream()
			.filter((other) -> !other.failed() && other.implementation().equals(implementation)
					&& other.kind() == kind && other.size() == size
					&& (kind == ThroughputBenchmark.Kind.PRODUCE_ONLY || other.concurrency() == concurrency))
			.findFirst();
	}

	private void renderLatency(StringBuilder out) {
		if (this.latency.isEmpty()) {
			return;
		}
		out.append("\n## End-to-end latency at a fixed offered rate\n\n");
		out.append("One consumer, ~200 B payload. Each message carries its scheduled send time; latency is the "
				+ "delivery to the `Consumer<Order>` minus that time. Median of the percentiles over the measured "
				+ "windows, after a warm-up; max over all windows. Milliseconds.\n\n");
		out.append("| offered msg/s | implementation | delivered msg/s | p50 | p99 | p99.9 | max | p99 x raw Lettuce "
				+ "| load 1m |\n");
		out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
		for (LatencyResult row : this.latency) {
			out.append(String.format("| %,d | %s | ", row.offeredRate(), row.implementation()));
			if (row.failed()) {
				out.append("**FAILED** | ").append(row.failure().replace('|', '/')).append(" | | | | | ");
			}
			else if (row.saturated()) {
				out.append(String.format("%,.0f | saturated: cannot keep up | | | | | ", row.achievedRate()));
			}
			else {
				out.append(String.format("%,.0f | %.2f | %.2f | %.2f | %.2f | %s | ", row.achievedRate(), row.p50(),
						row.p99(), row.p999(), row.max(), latencyRatio(row)));
			}
			out.append(load(row.loadAverage())).append(" |\n");
		}
	}

	private String latencyRatio(LatencyResult row) {
		if (row.implementation().equals(RAW)) {
			return "1.00 (baseline)";
		}
		return this.latency.stream()
			.filter((other) -> other.implementation().equals(RAW) && other.offeredRate() == row.offeredRate()
					&& !other.failed() && !other.saturated())
			.findFirst()
			.map((raw) -> String.format("%.2f", row.p99() / raw.p99()))
			.orElse("-");
	}

	private void renderRecovery(StringBuilder out) {
		if (this.recovery.isEmpty()) {
			return;
		}
		out.append("\n## Recovery of a dead consumer's pending entries (binder)\n\n");
		out.append("A consumer reads " + RecoveryBenchmark.ENTRIES + " entries and vanishes without acknowledging "
				+ "them; the time is from then until a live consumer of the group has processed the last of them. The "
				+ "live consumer starts at 0, 1/3 and 2/3 of its claim cycle after the death (three rounds).\n\n");
		out.append("| claim-idle-time | claim-interval | claim-batch-size | rounds, s | median s | max s | expected s "
				+ "| load 1m |\n");
		out.append("|---:|---:|---:|---|---:|---:|---|---:|\n");
		for (RecoveryResult row : this.recovery) {
			out.append(String.format("| %s | %s | %s | ", duration(row.claimIdleTime()), duration(row.claimInterval()),
					(row.claimBatchSize() > 0) ? Integer.toString(row.claimBatchSize()) : "100 (default)"));
			if (row.failed()) {
				out.append("**FAILED** | ").append(row.failure().replace('|', '/')).append(" | | | ");
			}
			else {
				out.append(String.join(" / ", row.seconds().stream().map((s) -> String.format("%.2f", s)).toList()));
				out.append(String.format(" | %.2f | %.2f | %.2f - %.2f | ", row.median(), row.max(),
						row.claimIdleTime().toMillis() / 1000.0,
						(row.claimIdleTime().toMillis() + row.claimInterval().toMillis()) / 1000.0));
			}
			out.append(load(row.loadAverage())).append(" |\n");
		}
	}

	private void renderMemory(StringBuilder out) {
		if (this.memory == null) {
			return;
		}
		out.append("\n## Steady memory (binder, one consumer, ~200 B, producer max-len 100000)\n\n");
		if (this.memory.failed()) {
			out.append("**FAILED**: ").append(this.memory.failure()).append('\n');
			return;
		}
		out.append(String.format("Heap used after a full GC, by messages processed end to end (%.0f s run, "
				+ "load 1m %s at its start; %,d entries left in the stream).%n%n", this.memory.seconds(),
				load(this.memory.loadAverage()), this.memory.streamLength()));
		out.append("| messages processed | heap after GC, MiB |\n|---:|---:|\n");
		for (MemoryResult.Sample sample : this.memory.samples()) {
			out.append(String.format("| %,d | %.1f |%n", sample.processed(), sample.heapBytes() / 1048576.0));
		}
		out.append(String.format("%nGrowth from the first to the last sample: %+.1f MiB.%n",
				this.memory.growthBytes() / 1048576.0));
	}

	private void renderMarkers(StringBuilder out) {
		if (this.markers.isEmpty()) {
			return;
		}
		out.append("\n## Idempotency markers: Redis memory per marker\n\n");
		out.append("Markers written with a 24 h TTL under `" + MarkerMemoryBenchmark.PREFIX + "<key>` (the binder's "
				+ "layout, as `ack-and-mark.lua` writes them) and, for comparison, as fields of hashes that expire as a "
				+ "whole; then deleted. `used_memory` is the growth of `INFO memory` per marker (keyspace and expiry "
				+ "tables included), `MEMORY USAGE` the keys' own figure per marker. 1,000 msg/s with `ttl: 24h` keeps "
				+ "86.4 million markers.\n\n");
		out.append("| layout | markers | key (or field) bytes | used_memory B/marker | MEMORY USAGE B/marker "
				+ "| GB at 1,000 msg/s x 24 h |\n|---|---:|---:|---:|---:|---:|\n");
		for (MarkerMemoryBenchmark.MarkerResult row : this.markers) {
			out.append(String.format("| %s | %,d | %.0f | %.1f | %.1f | %.1f |%n", row.layout(), row.markers(),
					row.keyBytes(), row.usedMemoryBytes(), row.memoryUsageBytes(),
					row.usedMemoryBytes() * 86_400_000L / 1e9));
		}
	}

	private void renderTargets(StringBuilder out) {
		List<String[]> rows = new ArrayList<>();
		List<ThroughputResult> binderEndToEnd = this.throughput.stream()
			.filter(endToEnd().and((row) -> row.implementation().equals(BINDER)))
			.toList();
		if (!binderEndToEnd.isEmpty() && measured(RAW)) {
			rows.add(ratioTarget("End-to-end throughput >= 0.7x raw Lettuce", binderEndToEnd, RAW, 0.7));
		}
		if (!binderEndToEnd.isEmpty() && measured(SDR)) {
			rows.add(ratioTarget("End-to-end throughput >= 5x the Spring Data Redis container", binderEndToEnd, SDR,
					5.0));
		}
		List<ThroughputResult> batchEndToEnd = this.throughput.stream()
			.filter(endToEnd().and((row) -> row.implementation().equals(BINDER_BATCH) && row.size() == PayloadSize.SMALL))
			.toList();
		if (!batchEndToEnd.isEmpty() && measured(RAW)) {
			rows.add(ratioTarget("Batch mode: end-to-end throughput >= 0.85x raw Lettuce, ~200 B", batchEndToEnd, RAW,
					0.85));
		}
		this.latency.stream()
			.filter((row) -> row.implementation().equals(BINDER) && row.offeredRate() == 5_000)
			.findFirst()
			.ifPresent((row) -> rows.add(new String[] { "p99 end-to-end latency < 5 ms at 5,000 msg/s",
					row.failed() || row.saturated() ? "failed / saturated" : String.format("%.2f ms", row.p99()),
					verdict(!row.failed() && !row.saturated() && row.p99() < 5.0) }));
		addIssue16Targets(rows, binderEndToEnd);
		if (this.memory != null) {
			rows.add(new String[] { "Heap does not grow with messages processed",
					this.memory.failed() ? "failed"
							: String.format("%+.1f MiB over %,d messages", this.memory.growthBytes() / 1048576.0,
									this.memory.samples().get(this.memory.samples().size() - 1).processed()
											- this.memory.samples().get(0).processed()),
					verdict(this.memory.steady()) });
		}
		if (rows.isEmpty()) {
			return;
		}
		out.append("\n## Targets\n\n| target | measured (binder) | met |\n|---|---|---|\n");
		for (String[] row : rows) {
			out.append("| ").append(String.join(" | ", row)).append(" |\n");
		}
	}

	/** The targets of the Redis cost and overhead work: Redis CPU, JVM overhead, Kafka, p99 and entry memory. */
	private void addIssue16Targets(List<String[]> rows, List<ThroughputResult> binderEndToEnd) {
		List<ThroughputResult> small = binderEndToEnd.stream().filter((row) -> row.size() == PayloadSize.SMALL).toList();
		if (!small.isEmpty() && measured(RAW)) {
			List<String> figures = new ArrayList<>();
			boolean met = true;
			for (ThroughputResult row : small) {
				Optional<ThroughputResult> raw = rawFor(row);
				if (row.failed() || raw.isEmpty()) {
					met = false;
					continue;
				}
				double ratio = redisPerMessage(row) / redisPerMessage(raw.get());
				met &= ratio <= 1.15;
				figures.add(String.format("x%d: %.2f (%.2f / %.2f us)", row.concurrency(), ratio, redisPerMessage(row),
						redisPerMessage(raw.get())));
			}
			rows.add(new String[] { "Redis CPU per message, end to end ~200 B, <= 1.15x raw Lettuce",
					String.join("; ", figures), verdict(!figures.isEmpty() && met) });
			rows.add(ratioTarget("End-to-end throughput ~200 B >= 0.55x raw Lettuce", small, RAW, 0.55));
			Optional<ThroughputResult> framework = this.throughput.stream()
				.filter(endToEnd().and((row) -> !row.failed() && row.implementation().equals(FRAMEWORK)
						&& row.size() == PayloadSize.SMALL))
				.findFirst();
			if (framework.isPresent()) {
				List<String> overheads = new ArrayList<>();
				boolean within = true;
				for (ThroughputResult row : small) {
					Optional<ThroughputResult> raw = rawFor(row);
					if (row.failed() || raw.isEmpty()) {
						within = false;
						continue;
					}
					double overhead = jvmPerMessage(row) - jvmPerMessage(raw.get()) - jvmPerMessage(framework.get());
					within &= overhead <= 2.0;
					overheads.add(String.format("x%d: %+.1f us", row.concurrency(), overhead));
				}
				rows.add(new String[] { "Binder's JVM overhead above raw Lettuce + framework <= 2 us per ~200 B message",
						String.join("; ", overheads), verdict(!overheads.isEmpty() && within) });
			}
		}
		if (!binderEndToEnd.isEmpty() && measured(KAFKA)) {
			rows.add(ratioTarget("End-to-end throughput >= 2x the Kafka binder", binderEndToEnd, KAFKA, 2.0));
			List<ThroughputResult> consume = this.throughput.stream()
				.filter((row) -> row.kind() == ThroughputBenchmark.Kind.CONSUME_ONLY && row.implementation().equals(BINDER))
				.toList();
			if (!consume.isEmpty()) {
				rows.add(ratioTarget("Consume-only throughput >= 2x the Kafka binder", consume, KAFKA, 2.0));
			}
		}
		Optional<LatencyResult> binder20k = this.latency.stream()
			.filter((row) -> row.implementation().equals(BINDER) && row.offeredRate() == 20_000)
			.findFirst();
		Optional<LatencyResult> raw20k = this.latency.stream()
			.filter((row) -> row.implementation().equals(RAW) && row.offeredRate() == 20_000 && !row.failed()
					&& !row.saturated())
			.findFirst();
		if (binder20k.isPresent() && raw20k.isPresent()) {
			LatencyResult row = binder20k.get();
			boolean ok = !row.failed() && !row.saturated();
			double ratio = ok ? row.p99() / raw20k.get().p99() : Double.NaN;
			rows.add(new String[] { "p99 at 20,000 msg/s <= 1.5x raw Lettuce's",
					ok ? String.format("%.2f (%.2f / %.2f ms)", ratio, row.p99(), raw20k.get().p99()) : "failed / saturated",
					verdict(ok && ratio <= 1.5) });
		}
		List<String> memoryFigures = new ArrayList<>();
		boolean memoryMet = true;
		for (ThroughputResult row : this.throughput) {
			if (row.kind() != ThroughputBenchmark.Kind.PRODUCE_ONLY || row.failed() || !row.implementation().equals(BINDER)
					|| row.medianRound().entryMemory() == null) {
				continue;
			}
			Optional<ThroughputResult> raw = rawFor(row).filter((r) -> r.medianRound().entryMemory() != null);
			if (raw.isEmpty()) {
				continue;
			}
			double ratio = row.medianRound().entryMemory().memoryUsageBytes()
					/ raw.get().medianRound().entryMemory().memoryUsageBytes();
			memoryMet &= ratio <= 1.2;
			memoryFigures.add(String.format("%s: %.2f", row.size().label(), ratio));
		}
		if (!memoryFigures.isEmpty()) {
			rows.add(new String[] { "Redis memory per retained entry <= 1.2x raw Lettuce's",
					String.join("; ", memoryFigures), verdict(memoryMet) });
		}
	}

	private String[] ratioTarget(String target, List<ThroughputResult> binderRows, String baseline, double wanted) {
		List<String> figures = new ArrayList<>();
		boolean met = true;
		boolean any = false;
		for (ThroughputResult row : binderRows) {
			Optional<ThroughputResult> other = find(baseline, row.kind(), row.size(), row.concurrency());
			if (row.failed() || other.isEmpty()) {
				met = false;
				figures.add(row.size().label() + " x" + row.concurrency() + ": n/a");
				continue;
			}
			any = true;
			double ratio = row.medianRate() / other.get().medianRate();
			met &= ratio >= wanted;
			figures.add(String.format("%s x%d: %.2f", row.size().label(), row.concurrency(), ratio));
		}
		return new String[] { target, String.join("; ", figures), verdict(any && met) };
	}

	/** Whether the run measured an end-to-end figure of the implementation (a target needs its baseline). */
	private boolean measured(String implementation) {
		return this.throughput.stream().anyMatch(endToEnd().and((row) -> row.implementation().equals(implementation)));
	}

	private static Predicate<ThroughputResult> endToEnd() {
		return (row) -> row.kind() == ThroughputBenchmark.Kind.END_TO_END;
	}

	private static String verdict(boolean met) {
		return met ? "yes" : "**no**";
	}

	private static String load(double load) {
		return Double.isNaN(load) ? "-" : String.format("%.2f", load);
	}

	private static String duration(Duration duration) {
		return (duration.toMillis() % 1000 == 0) ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
	}

	private static String capitalized(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

}
