package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Redis Streams binder under test: {@code StreamBridge.send} to the output binding, the
 * {@code Consumer<Order>} on the input binding, everything else as a production application would
 * configure it (see {@link #settings(int)}). In batch mode the input binding is a
 * {@code Consumer<List<Order>>} with {@code batch-mode=true} instead, and nothing else differs: each
 * handler call gets the entries of one read (up to {@code read-count}), acknowledged together.
 */
final class RedisBinderTransport implements Transport {

	static final String GROUP = "bench";

	private final String stream;

	private final int concurrency;

	private final RedisAdmin admin;

	private final OrderSink sink;

	private final boolean batch;

	private final ConfigurableApplicationContext context;

	private final StreamBridge bridge;

	private final BindingsLifecycleController bindings;

	private boolean consuming;

	/**
	 * A binder consuming one message at a time ({@code Consumer<Order>}).
	 * @param extraProperties further binder properties, {@code name=value}
	 */
	RedisBinderTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, List<String> extraProperties) {
		this(redisUrl, admin, stream, concurrency, readCount, sink, false, extraProperties);
	}

	/**
	 * @param batch whether the consumer is a {@code Consumer<List<Order>>} with {@code batch-mode=true}
	 * @param extraProperties further binder properties, {@code name=value}
	 */
	RedisBinderTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, boolean batch, List<String> extraProperties) {
		this.stream = stream;
		this.concurrency = concurrency;
		this.admin = admin;
		this.sink = sink;
		this.batch = batch;
		List<String> properties = new ArrayList<>();
		properties.add("spring.data.redis.url=" + redisUrl);
		properties.add("spring.cloud.stream.default-binder=redis");
		properties.addAll(settings(readCount));
		properties.addAll(extraProperties);
		this.context = BenchApplication.start(sink, stream, GROUP, concurrency, batch, properties);
		this.bridge = this.context.getBean(StreamBridge.class);
		this.bindings = this.context.getBean(BindingsLifecycleController.class);
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
		return this.batch ? Report.BINDER_BATCH : Report.BINDER;
	}

	@Override
	public int concurrency() {
		return this.concurrency;
	}

	@Override
	public void reset() {
		stopConsumers();
		this.admin.recreate(this.stream, GROUP);
	}

	@Override
	public void startConsumers(DeliveryTracker tracker) {
		this.sink.track(tracker);
		this.bindings.start(BenchApplication.INPUT);
		this.consuming = true;
	}

	@Override
	public void stopConsumers() {
		if (this.consuming) {
			this.bindings.stop(BenchApplication.INPUT);
			this.consuming = false;
		}
	}

	@Override
	public void send(Order order) {
		this.bridge.send(BenchApplication.OUTPUT, order);
	}

	@Override
	public void awaitWritten(long count, Duration timeout) {
		this.admin.awaitLength(this.stream, count, timeout);
	}

	@Override
	public long unacknowledged() {
		return this.admin.pending(this.stream, GROUP);
	}

	@Override
	public void close() {
		stopConsumers();
		this.context.close();
		this.admin.delete(this.stream);
	}

}
