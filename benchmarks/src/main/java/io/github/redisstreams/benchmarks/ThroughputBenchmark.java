package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Throughput rounds: end to end (one producer thread sending as fast as the transport takes it while
 * the consumers run; timed from the first send to the last new delivery), consume-only (a stream
 * filled beforehand; timed from the first delivery to the last), produce-only (timed until the
 * broker confirmed every write) and through a processor (as end to end, but timed until the processor's output
 * stream holds every message; {@link RedisProcessorTransport} only).
 * <p>
 * Each figure: a warm-up round (ten seconds of rounds for the first figure of an implementation), then
 * {@code rounds} rounds sized to last about {@code round-seconds}; the median is reported. Every
 * round checks that each message arrived exactly once and nothing was left unacknowledged.
 */
final class ThroughputBenchmark {

	enum Kind {

		END_TO_END("end-to-end"), CONSUME_ONLY("consume-only"), PRODUCE_ONLY("produce-only"),

		/** Through a processor: from the first send until its output stream holds every message. */
		PROCESSOR("processor");

		final String label;

		Kind(String label) {
			this.label = label;
		}

	}

	private static final int MIN_MESSAGES = 10_000;

	private static final Duration FIRST_WARM_UP = Duration.ofSeconds(10);

	private final BenchmarkOptions options;

	private final RedisAdmin admin;

	private final Set<String> warmedUp = new HashSet<>();

	ThroughputBenchmark(BenchmarkOptions options, RedisAdmin admin) {
		this.options = options;
		this.admin = admin;
	}

	/**
	 * Measures one figure for each implementation. Rounds are interleaved (a round of each
	 * implementation in turn) so that every implementation meets the same load from the rest of the
	 * machine; an implementation that fails drops out, the others go on.
	 */
	List<ThroughputResult> run(Kind kind, List<Transport> transports, PayloadSize size) {
		List<Figure> figures = transports.stream().filter((t) -> t.supports(kind)).map(Figure::new).toList();
		for (Figure figure : figures) {
			figure.attempt(() -> {
				Transport transport = figure.transport;
				ThroughputResult.Round warm = round(kind, transport, size, (size == PayloadSize.SMALL) ? 20_000 : 10_000);
				if (this.warmedUp.add(transport.name())) {
					// the first figure of an implementation also warms up the JIT for all the others: on a
					// busy two-core machine the compilers need several seconds to reach steady code
					long until = System.nanoTime() + FIRST_WARM_UP.toNanos();
					while (System.nanoTime() - until < 0) {
						warm = round(kind, transport, size, messagesFor(warm.rate(), size));
					}
				}
				figure.messages = messagesFor(warm.rate(), size);
			});
		}
		for (int i = 0; i < this.options.rounds(); i++) {
			for (Figure figure : figures) {
				figure.attempt(() -> figure.rounds.add(round(kind, figure.transport, size, figure.messages)));
			}
		}
		List<ThroughputResult> results = new ArrayList<>();
		for (Figure figure : figures) {
			Transport transport = figure.transport;
			Progress.log(kind.label + " " + size.label() + " x" + transport.concurrency() + " " + transport.name() + ": "
					+ figure.rounds.stream().map((round) -> String.format("%,.0f", round.rate())).toList() + " msg/s"
					+ ((figure.failure != null) ? " FAILED: " + figure.failure : ""));
			results.add(new ThroughputResult(kind, size, transport.name(), transport.concurrency(), figure.messages,
					figure.rounds, figure.failure));
		}
		return results;
	}

	/** The figure of one implementation while it is being measured. */
	private static final class Figure {

		final Transport transport;

		final List<ThroughputResult.Round> rounds = new ArrayList<>();

		int messages;

		String failure;

		Figure(Transport transport) {
			this.transport = transport;
		}

		void attempt(Runnable step) {
			if (this.failure != null) {
				return;
			}
			try {
				step.run();
			}
			catch (RuntimeException ex) {
				this.failure = ex.toString();
				tidyUp(this.transport);
			}
		}

	}

	private int messagesFor(double rate, PayloadSize size) {
		// large payloads are capped lower to keep the stream's memory in Redis modest
		int max = (size == PayloadSize.SMALL) ? 400_000 : 150_000;
		long wanted = (long) (rate * this.options.roundLength().toMillis() / 1000);
		return (int) Math.max(MIN_MESSAGES, Math.min(max, wanted));
	}

	private ThroughputResult.Round round(Kind kind, Transport transport, PayloadSize size, int messages) {
		return switch (kind) {
			case END_TO_END -> endToEnd(transport, size, messages);
			case CONSUME_ONLY -> consumeOnly(transport, size, messages);
			case PRODUCE_ONLY -> produceOnly(transport, size, messages);
			case PROCESSOR -> throughProcessor((RedisProcessorTransport) transport, size, messages);
		};
	}

	private ThroughputResult.Round endToEnd(Transport transport, PayloadSize size, int messages) {
		double load = MachineInfo.loadAverage1();
		int round = Rounds.next();
		transport.reset();
		DeliveryTracker tracker = new DeliveryTracker(round, messages);
		transport.startConsumers(tracker);
		CpuMeter cpu = CpuMeter.start(this.admin);
		long start = System.nanoTime();
		for (int seq = 0; seq < messages; seq++) {
			transport.send(size.order(round, seq, System.nanoTime()));
		}
		transport.endOfBurst();
		long sent = System.nanoTime();
		awaitAll(tracker, messages);
		CpuMeter.Usage usage = cpu.stop();
		double rate = messages * 1e9 / (tracker.completedAt() - start);
		double sendShare = (sent - start) / (double) (tracker.completedAt() - start);
		settle(transport, tracker);
		return new ThroughputResult.Round(rate, usage, load, sendShare, tracker.meanBatch());
	}

	/**
	 * One producer thread fills the processor's input as fast as it takes messages while the processor runs;
	 * timed from the first send until the output stream holds every message (polled with {@code XLEN}). Checks
	 * that the processor's handler saw each message once, left nothing unacknowledged and wrote each output once.
	 */
	private ThroughputResult.Round throughProcessor(RedisProcessorTransport transport, PayloadSize size, int messages) {
		double load = MachineInfo.loadAverage1();
		int round = Rounds.next();
		transport.reset();
		DeliveryTracker tracker = new DeliveryTracker(round, messages);
		transport.startConsumers(tracker);
		CpuMeter cpu = CpuMeter.start(this.admin);
		long start = System.nanoTime();
		for (int seq = 0; seq < messages; seq++) {
			transport.send(size.order(round, seq, System.nanoTime()));
		}
		transport.endOfBurst();
		long sent = System.nanoTime();
		long done = transport.awaitOutput(messages, timeoutFor(messages));
		CpuMeter.Usage usage = cpu.stop();
		double rate = messages * 1e9 / (done - start);
		double sendShare = (sent - start) / (double) (done - start);
		settle(transport, tracker);
		transport.verifyOutput(messages, size);
		return new ThroughputResult.Round(rate, usage, load, sendShare, Double.NaN);
	}

	private ThroughputResult.Round consumeOnly(Transport transport, PayloadSize size, int messages) {
		double load = MachineInfo.loadAverage1();
		int round = Rounds.next();
		transport.reset();
		for (int seq = 0; seq < messages; seq++) {
			transport.send(size.order(round, seq, System.nanoTime()));
		}
		transport.awaitWritten(messages, timeoutFor(messages));
		DeliveryTracker tracker = new DeliveryTracker(round, messages);
		CpuMeter cpu = CpuMeter.start(this.admin);
		transport.startConsumers(tracker);
		awaitAll(tracker, messages);
		CpuMeter.Usage usage = cpu.stop();
		// from the first delivery: a consumer's start-up (a Kafka group join) is not consumption
		double rate = (messages - 1) * 1e9 / (tracker.completedAt() - tracker.firstDeliveryAt());
		settle(transport, tracker);
		return new ThroughputResult.Round(rate, usage, load, Double.NaN, tracker.meanBatch());
	}

	private ThroughputResult.Round produceOnly(Transport transport, PayloadSize size, int messages) {
		double load = MachineInfo.loadAverage1();
		int round = Rounds.next();
		transport.reset();
		String stream = transport.redisStream();
		if (stream != null) {
			this.admin.awaitLazyFree(Duration.ofSeconds(10));
		}
		long memoryBefore = (stream != null) ? this.admin.usedMemory() : 0;
		CpuMeter cpu = CpuMeter.start(this.admin);
		long start = System.nanoTime();
		for (int seq = 0; seq < messages; seq++) {
			transport.send(size.order(round, seq, System.nanoTime()));
		}
		transport.awaitWritten(messages, timeoutFor(messages));
		double rate = messages * 1e9 / (System.nanoTime() - start);
		CpuMeter.Usage usage = cpu.stop();
		return new ThroughputResult.Round(rate, usage, load, Double.NaN, Double.NaN,
				(stream != null) ? entryMemory(stream, messages, memoryBefore) : null);
	}

	/** What Redis holds per entry of a stream that holds every entry of the round (no consumer, no trim). */
	private ThroughputResult.EntryMemory entryMemory(String stream, int messages, long memoryBefore) {
		long length = this.admin.length(stream);
		double usage = this.admin.memoryUsage(stream) / (double) length;
		double used = (this.admin.usedMemory() - memoryBefore) / (double) length;
		StringBuilder fields = new StringBuilder();
		this.admin.firstEntry(stream).forEach((name, value) -> fields.append((fields.length() > 0) ? ", " : "")
			.append(name)
			.append(" (")
			.append(value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
			.append(" B)"));
		return new ThroughputResult.EntryMemory(usage, used, fields.toString());
	}

	private static void awaitAll(DeliveryTracker tracker, int messages) {
		if (!tracker.awaitAll(timeoutFor(messages))) {
			tracker.verifyExactlyOnce("timed out");
		}
	}

	/** Stops the consumers and checks the round: each message once, none left unacknowledged. */
	private static void settle(Transport transport, DeliveryTracker tracker) {
		transport.stopConsumers();
		tracker.verifyExactlyOnce("round of " + tracker.expected());
		long unacknowledged = transport.unacknowledged();
		if (unacknowledged != 0) {
			throw new ScenarioFailedException(unacknowledged + " delivered messages left unacknowledged");
		}
	}

	private static Duration timeoutFor(int messages) {
		return Duration.ofSeconds(30 + messages / 5_000);
	}

	private static void tidyUp(Transport transport) {
		try {
			transport.stopConsumers();
		}
		catch (RuntimeException ex) {
			Progress.log("could not stop the consumers of " + transport.name() + ": " + ex);
		}
	}

}
