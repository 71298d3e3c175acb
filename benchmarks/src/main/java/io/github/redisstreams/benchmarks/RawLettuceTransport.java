package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import tools.jackson.databind.json.JsonMapper;

/**
 * The upper baseline: what a careful hand-written Lettuce client does with the same at-least-once
 * contract as the binder.
 * <ul>
 * <li>Producer ({@link RawLettuceProducer}): asynchronous {@code XADD} with auto-flush off, written out
 * every {@value #FLUSH_EVERY} commands and at the end of each burst; at most {@value #MAX_IN_FLIGHT}
 * commands await a reply (the binder's default {@code max-in-flight}).</li>
 * <li>Consumers: one thread and connection each, {@code XREADGROUP COUNT n BLOCK}, decode the JSON
 * with Jackson, call the {@code Consumer<Order>}, then one {@code XACK} for the whole batch, sent
 * without waiting, ahead of the next read on the same connection.</li>
 * </ul>
 * Entries have the binder's field layout: {@code payload} and {@code contentType}.
 */
final class RawLettuceTransport implements Transport {

	static final int FLUSH_EVERY = RawLettuceProducer.FLUSH_EVERY;

	static final int MAX_IN_FLIGHT = RawLettuceProducer.MAX_IN_FLIGHT;

	private static final String GROUP = "bench";

	private static final Duration BLOCK = Duration.ofMillis(250);

	private final String stream;

	private final int concurrency;

	private final int readCount;

	private final OrderSink sink;

	private final JsonMapper mapper;

	private final RedisAdmin admin;

	private final RedisClient client;

	private final RawLettuceProducer producer;

	private final List<Thread> consumerThreads = new ArrayList<>();

	private volatile boolean consuming;

	RawLettuceTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, JsonMapper mapper) {
		this.stream = stream;
		this.concurrency = concurrency;
		this.readCount = readCount;
		this.sink = sink;
		this.mapper = mapper;
		this.admin = admin;
		this.client = RedisClient.create(redisUrl);
		this.producer = new RawLettuceProducer(this.client, stream, mapper);
	}

	@Override
	public String name() {
		return "raw Lettuce";
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
		this.producer.reset();
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

	@Override
	public void startConsumers(DeliveryTracker tracker) {
		this.sink.track(tracker);
		this.consuming = true;
		for (int i = 0; i < this.concurrency; i++) {
			StatefulRedisConnection<String, byte[]> connection = this.client.connect(RawLettuceProducer.CODEC);
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
