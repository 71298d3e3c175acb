package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisClient;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Redis Streams binder under test: {@code StreamBridge.send} to the output binding, the
 * {@code Consumer<Order>} on the input binding, everything else as a production application would
 * configure it (see {@link #settings(int)}). In batch mode the input binding is a
 * {@code Consumer<List<Order>>} with {@code batch-mode=true} instead, and nothing else differs: each
 * handler call gets the entries of one read (up to {@code read-count}), acknowledged together.
 * <p>
 * For diagnosis, the batch consumer can also be fed by the raw Lettuce baseline's producer
 * ({@link RawLettuceProducer}) instead of {@code StreamBridge}: the binder's consumer side alone against
 * raw Lettuce end to end.
 */
final class RedisBinderTransport implements Transport {

	static final String GROUP = "bench";

	private final String stream;

	private final int concurrency;

	private final RedisAdmin admin;

	private final boolean batch;

	/** The producer instead of {@code StreamBridge}, or null. */
	private final RawLettuceProducer rawProducer;

	private final RedisClient rawClient;

	private final ConfigurableApplicationContext context;

	private final StreamBridge bridge;

	private final InputBinding inputBinding;

	/** The property that turns flush consolidation off, for the {@code binder-unconsolidated} comparison. */
	static final String UNCONSOLIDATED = "spring.cloud.stream.redis.binder.consolidate-flushes=false";

	private final boolean unconsolidated;

	/**
	 * A binder consuming one message at a time ({@code Consumer<Order>}).
	 * @param extraProperties further binder properties, {@code name=value}
	 */
	RedisBinderTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, List<String> extraProperties) {
		this(redisUrl, admin, stream, concurrency, readCount, sink, false, null, extraProperties);
	}

	/**
	 * @param batch whether the consumer is a {@code Consumer<List<Order>>} with {@code batch-mode=true}
	 * @param rawProducerMapper when not null, messages are sent by the raw Lettuce baseline's producer with this
	 * mapper instead of {@code StreamBridge}
	 * @param extraProperties further binder properties, {@code name=value}
	 */
	RedisBinderTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, boolean batch, JsonMapper rawProducerMapper, List<String> extraProperties) {
		this.stream = stream;
		this.concurrency = concurrency;
		this.admin = admin;
		this.batch = batch;
		this.unconsolidated = extraProperties.contains(UNCONSOLIDATED);
		List<String> properties = new ArrayList<>();
		properties.add("spring.data.redis.url=" + redisUrl);
		properties.add("spring.cloud.stream.default-binder=redis");
		properties.addAll(settings(readCount));
		properties.addAll(extraProperties);
		this.context = BenchApplication.start(sink, stream, GROUP, concurrency, batch, properties);
		this.bridge = this.context.getBean(StreamBridge.class);
		this.inputBinding = new InputBinding(this.context.getBean(BindingsLifecycleController.class), sink);
		this.rawClient = (rawProducerMapper != null) ? RedisClient.create(redisUrl) : null;
		this.rawProducer = (rawProducerMapper != null) ? new RawLettuceProducer(this.rawClient, stream, rawProducerMapper)
				: null;
	}

	/**
	 * The binder settings of the benchmark, shown with the results. Everything not listed is at its
	 * default: asynchronous pipelined writes ({@code sync: false}, {@code max-in-flight: 10000}),
	 * acknowledgements coalesced per batch, three in-process attempts ({@code max-attempts}).
	 */
	static List<String> settings(int readCount) {
		String consumer = "spring.cloud.stream.redis.bindings." + BenchApplication.INPUT + ".consumer.";
		return List.of(consumer + "read-count=" + readCount, consumer + "block-timeout=250ms");
	}

	@Override
	public String name() {
		if (this.rawProducer != null) {
			return this.batch ? Report.RAW_TO_BINDER_BATCH : Report.RAW_TO_BINDER;
		}
		if (this.unconsolidated) {
			return Report.BINDER_UNCONSOLIDATED;
		}
		return this.batch ? Report.BINDER_BATCH : Report.BINDER;
	}

	@Override
	public String redisStream() {
		return this.stream;
	}

	@Override
	public int concurrency() {
		return this.concurrency;
	}

	@Override
	public void reset() {
		stopConsumers();
		this.admin.recreate(this.stream, GROUP);
		if (this.rawProducer != null) {
			this.rawProducer.reset();
		}
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
		if (this.rawProducer != null) {
			this.rawProducer.send(order);
		}
		else {
			this.bridge.send(BenchApplication.OUTPUT, order);
		}
	}

	@Override
	public void endOfBurst() {
		if (this.rawProducer != null) {
			this.rawProducer.endOfBurst();
		}
	}

	@Override
	public void awaitWritten(long count, Duration timeout) {
		if (this.rawProducer != null) {
			this.rawProducer.awaitWritten(count, timeout);
		}
		else {
			this.admin.awaitLength(this.stream, count, timeout);
		}
	}

	@Override
	public long unacknowledged() {
		return this.admin.pending(this.stream, GROUP);
	}

	@Override
	public void close() {
		stopConsumers();
		if (this.rawProducer != null) {
			this.rawProducer.close();
			this.rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
		this.context.close();
		this.admin.delete(this.stream);
	}

}
