package io.github.redisstreams.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import tools.jackson.databind.json.JsonMapper;

/**
 * The upper baseline: what a careful hand-written Lettuce client does with the same at-least-once
 * contract as the binder.
 * <ul>
 * <li>Producer: asynchronous {@code XADD} with auto-flush off, written out every
 * {@value #FLUSH_EVERY} commands and at the end of each burst; at most {@value #MAX_IN_FLIGHT}
 * commands await a reply (the binder's default {@code max-in-flight}).</li>
 * <li>Consumers: one thread and connection each, {@code XREADGROUP COUNT n BLOCK}, decode the JSON
 * with Jackson, call the {@code Consumer<Order>}, then one {@code XACK} for the whole batch, sent
 * without waiting, ahead of the next read on the same connection.</li>
 * </ul>
 * Entries have the binder's field layout: {@code payload} and {@code contentType}.
 */
final class RawLettuceTransport implements Transport {

	static final int FLUSH_EVERY = 100;

	static final int MAX_IN_FLIGHT = 10_000;

	private static final String GROUP = "bench";

	private static final Duration BLOCK = Duration.ofMillis(250);

	private static final byte[] JSON = "application/json".getBytes(StandardCharsets.UTF_8);

	private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

	private final String stream;

	private final int concurrency;

	private final int readCount;

	private final OrderSink sink;

	private final JsonMapper mapper;

	private final RedisAdmin admin;

	private final RedisClient client;

	private final StatefulRedisConnection<String, byte[]> producer;

	private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

	private final AtomicLong written = new AtomicLong();

	private final AtomicReference<Throwable> writeFailure = new AtomicReference<>();

	private final List<Thread> consumerThreads = new ArrayList<>();

	private volatile boolean consuming;

	private int unflushed;

	RawLettuceTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, JsonMapper mapper) {
		this.stream = stream;
		this.concurrency = concurrency;
		this.readCount = readCount;
		this.sink = sink;
		this.mapper = mapper;
		this.admin = admin;
		this.client = RedisClient.create(redisUrl);
		this.producer = this.client.connect(CODEC);
		this.producer.setAutoFlushCommands(false);
	}

	@Override
	public String name() {
		return "raw Lettuce";
	}

	@Override
	public int concurrency() {
		return this.concurrency;
	}

	@Override
	public void reset() {
		stopConsumers();
		this.admin.recreate(this.stream, GROUP);
		this.written.set(0);
	}

	@Override
	public void send(Order order) {
		Map<String, byte[]> fields = new LinkedHashMap<>(4);
		fields.put("payload", this.mapper.writeValueAsBytes(order));
		fields.put("contentType", JSON);
		try {
			if (!this.inFlight.tryAcquire(10, TimeUnit.SECONDS)) {
				throw new ScenarioFailedException("Redis did not confirm " + MAX_IN_FLIGHT + " writes within 10 s");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ScenarioFailedException("interrupted");
		}
		this.producer.async().xadd(this.stream, fields).whenComplete((id, ex) -> {
			this.inFlight.release();
			if (ex != null) {
				this.writeFailure.compareAndSet(null, ex);
			}
			else {
				this.written.incrementAndGet();
			}
		});
		if (++this.unflushed >= FLUSH_EVERY) {
			endOfBurst();
		}
	}

	@Override
	public void endOfBurst() {
		if (this.unflushed > 0) {
			this.producer.flushCommands();
			this.unflushed = 0;
		}
	}

	@Override
	public void awaitWritten(long count, Duration timeout) {
		endOfBurst();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.written.get() < count) {
			Throwable failure = this.writeFailure.get();
			if (failure != null) {
				throw new ScenarioFailedException("XADD failed: " + failure);
			}
			if (System.nanoTime() - deadline > 0) {
				throw new ScenarioFailedException("Only " + this.written.get() + " of " + count + " writes confirmed");
			}
			LockSupport.parkNanos(200_000);
		}
	}

	@Override
	public void startConsumers(DeliveryTracker tracker) {
		this.sink.track(tracker);
		this.consuming = true;
		for (int i = 0; i < this.concurrency; i++) {
			StatefulRedisConnection<String, byte[]> connection = this.client.connect(CODEC);
			String consumer = "raw-" + i;
			Thread thread = new Thread(() -> consume(connection, consumer), "raw-lettuce-consumer-" + i);
			this.consumerThreads.add(thread);
			thread.start();
		}
	}

	private void consume(StatefulRedisConnection<String, byte[]> connection, String consumer) {
		Consumer<String> self = Consumer.from(GROUP, consumer);
		XReadArgs args = XReadArgs.Builder.count(this.readCount).block(BLOCK);
		XReadArgs.StreamOffset<String> newEntries = XReadArgs.StreamOffset.lastConsumed(this.stream);
		try {
			while (this.consuming) {
				List<StreamMessage<String, byte[]>> batch = connection.sync().xreadgroup(self, args, newEntries);
				if (batch.isEmpty()) {
					continue;
				}
				this.sink.read(batch.size());
				String[] ids = new String[batch.size()];
				int processed = 0;
				for (StreamMessage<String, byte[]> message : batch) {
					this.sink.accept(this.mapper.readValue(message.getBody().get("payload"), Order.class));
					ids[processed++] = message.getId();
				}
				// acknowledged only after the handler returned; the reply is not awaited, the next read
				// goes out right behind it on the same connection
				connection.async().xack(this.stream, GROUP, ids);
			}
			// the last XACK is confirmed before the connection closes
			connection.sync().ping();
		}
		finally {
			connection.close();
		}
	}

	@Override
	public void stopConsumers() {
		this.consuming = false;
		for (Thread thread : this.consumerThreads) {
			try {
				thread.join(TimeUnit.SECONDS.toMillis(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.consumerThreads.clear();
	}

	@Override
	public long unacknowledged() {
		return this.admin.pending(this.stream, GROUP);
	}

	@Override
	public void close() {
		stopConsumers();
		this.producer.close();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.admin.delete(this.stream);
	}

}
