package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisClient;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The processor scenario: the binder's {@code Function<Order, Invoice>} reads the input stream and writes an
 * invoice per order to the output stream {@code {input}:out} (the input's hash tag, so that a transactional step
 * stays in one Redis Cluster slot). Raw Lettuce's producer ({@link RawLettuceProducer}) fills the input, so that
 * the processor, not the producer, sets the pace; a message has gone through when its invoice is in the output
 * stream. Three modes of the same processor:
 * <ul>
 * <li>{@link Mode#AT_LEAST_ONCE}: the binder as it is by default, the output's {@code XADD} sent at once and its
 * reply awaited before the input's {@code XACK};</li>
 * <li>{@link Mode#TRANSACTIONAL}: {@code transactional: true}, the output staged and applied with the
 * {@code XACK} in one {@code commit-steps.lua} call per acknowledgement flush;</li>
 * <li>{@link Mode#TRANSACTIONAL_WRITE}: the same, plus one {@code HINCRBY} per order on a hash of
 * {@value Invoice#TOTALS_FIELDS} fields, {@code {input}:totals}, staged through {@code RedisStreamTransaction}.</li>
 * </ul>
 */
final class RedisProcessorTransport implements Transport {

	enum Mode {

		AT_LEAST_ONCE("binder", Report.PROCESSOR), TRANSACTIONAL("binder-tx", Report.PROCESSOR_TX),
		TRANSACTIONAL_WRITE("binder-tx-write", Report.PROCESSOR_TX_WRITE);

		/** The name of the {@code implementations} option. */
		final String option;

		/** The name in the report. */
		final String label;

		Mode(String option, String label) {
			this.option = option;
			this.label = label;
		}

		static Mode of(String option) {
			for (Mode mode : values()) {
				if (mode.option.equals(option)) {
					return mode;
				}
			}
			throw new IllegalArgumentException("No processor for '" + option + "'");
		}

	}

	static final String GROUP = "bench";

	private final Mode mode;

	private final String stream;

	private final String output;

	/** The hash the processor increments, or null. */
	private final String totals;

	private final int concurrency;

	private final RedisAdmin admin;

	private final RedisClient rawClient;

	private final RawLettuceProducer producer;

	private final ConfigurableApplicationContext context;

	private final InputBinding inputBinding;

	RedisProcessorTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, JsonMapper mapper, Mode mode) {
		this.mode = mode;
		this.stream = stream;
		this.output = outputOf(stream);
		this.totals = (mode == Mode.TRANSACTIONAL_WRITE) ? totalsOf(stream) : null;
		this.concurrency = concurrency;
		this.admin = admin;
		List<String> properties = new ArrayList<>();
		properties.add("spring.data.redis.url=" + redisUrl);
		properties.add("spring.cloud.stream.default-binder=redis");
		properties.addAll(settings(readCount, mode));
		this.context = BenchApplication.startProcessor(sink, stream, this.output, GROUP, concurrency, this.totals,
				properties);
		this.inputBinding = new InputBinding(this.context.getBean(BindingsLifecycleController.class), sink);
		this.rawClient = RedisClient.create(redisUrl);
		this.producer = new RawLettuceProducer(this.rawClient, stream, mapper);
	}

	/** The output stream of a processor reading {@code stream}: {@code {stream}:out}. */
	static String outputOf(String stream) {
		return "{" + stream + "}:out";
	}

	/** The hash the processor increments in {@link Mode#TRANSACTIONAL_WRITE}: {@code {stream}:totals}. */
	static String totalsOf(String stream) {
		return "{" + stream + "}:totals";
	}

	/** The binder settings of a mode, shown with the results: those of the other scenarios, and the mode's. */
	static List<String> settings(int readCount, Mode mode) {
		List<String> settings = new ArrayList<>(RedisBinderTransport.settings(readCount));
		if (mode != Mode.AT_LEAST_ONCE) {
			settings.add("spring.cloud.stream.redis.bindings." + BenchApplication.INPUT + ".consumer.transactional=true");
		}
		return settings;
	}

	@Override
	public String name() {
		return this.mode.label;
	}

	@Override
	public int concurrency() {
		return this.concurrency;
	}

	@Override
	public void reset() {
		stopConsumers();
		if (this.totals != null) {
			this.admin.delete(this.output, this.totals);
		}
		else {
			this.admin.delete(this.output);
		}
		this.admin.recreate(this.stream, GROUP);
		this.producer.reset();
	}

	@Override
	public void startConsumers(DeliveryTracker tracker) {
		this.inputBinding.start(tracker);
	}

	@Override
	public void stopConsumers() {
		this.inputBinding.stop();
	}

	@Override
	public void send(Order order) {
		this.producer.send(order);
	}

	@Override
	public void endOfBurst() {
		this.producer.endOfBurst();
	}

	@Override
	public void awaitWritten(long count, Duration timeout) {
		this.producer.awaitWritten(count, timeout);
	}

	/**
	 * Waits until the output stream holds {@code count} invoices.
	 * @return {@link System#nanoTime()} when it was seen to
	 */
	long awaitOutput(long count, Duration timeout) {
		return this.admin.awaitLength(this.output, count, timeout);
	}

	/**
	 * Checks, once the consumers stopped, that the processor wrote each invoice once (the output stream holds
	 * exactly one entry per order, the handler having seen each order once) and, with the totals hash, that
	 * each order was added to it once.
	 * @param count the orders of the round
	 * @param size their size (all orders of a size have the same total)
	 */
	void verifyOutput(long count, PayloadSize size) {
		long written = this.admin.length(this.output);
		if (written != count) {
			throw new ScenarioFailedException(written + " invoices in '" + this.output + "' for " + count + " orders");
		}
		if (this.totals != null) {
			long expected = count * Invoice.of(size.order(0, 0, 0)).totalCents();
			long sum = this.admin.hashSum(this.totals);
			if (sum != expected) {
				throw new ScenarioFailedException("'" + this.totals + "' sums to " + sum + ", expected " + expected
						+ " (" + count + " orders)");
			}
		}
	}

	@Override
	public long unacknowledged() {
		return this.admin.pending(this.stream, GROUP);
	}

	@Override
	public void close() {
		stopConsumers();
		this.producer.close();
		this.rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.context.close();
		if (this.totals != null) {
			this.admin.delete(this.stream, this.output, this.totals);
		}
		else {
			this.admin.delete(this.stream, this.output);
		}
	}

}
