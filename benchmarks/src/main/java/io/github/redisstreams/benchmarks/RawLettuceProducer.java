package io.github.redisstreams.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import tools.jackson.databind.json.JsonMapper;

/**
 * The producer of the raw Lettuce baseline: asynchronous {@code XADD} on a connection of its own with
 * auto-flush off, written out every {@value #FLUSH_EVERY} commands and at the end of each burst; at most
 * {@value #MAX_IN_FLIGHT} commands await a reply (the binder's default {@code max-in-flight}). Entries have
 * the binder's field layout: {@code payload} (the order's JSON) and {@code contentType}. Used by one thread
 * at a time.
 */
final class RawLettuceProducer implements AutoCloseable {

	static final int FLUSH_EVERY = 100;

	static final int MAX_IN_FLIGHT = 10_000;

	static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

	private static final byte[] JSON = "application/json".getBytes(StandardCharsets.UTF_8);

	private final String stream;

	private final JsonMapper mapper;

	private final StatefulRedisConnection<String, byte[]> connection;

	private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

	private final AtomicLong written = new AtomicLong();

	private final AtomicReference<Throwable> writeFailure = new AtomicReference<>();

	private int unflushed;

	RawLettuceProducer(RedisClient client, String stream, JsonMapper mapper) {
		this.stream = stream;
		this.mapper = mapper;
		this.connection = client.connect(CODEC);
		this.connection.setAutoFlushCommands(false);
	}

	/** Starts counting confirmed writes from 0 again (the stream was recreated). */
	void reset() {
		this.written.set(0);
	}

	void send(Order order) {
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
		this.connection.async().xadd(this.stream, fields).whenComplete((id, ex) -> {
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

	void endOfBurst() {
		if (this.unflushed > 0) {
			this.connection.flushCommands();
			this.unflushed = 0;
		}
	}

	void awaitWritten(long count, Duration timeout) {
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
	public void close() {
		this.connection.close();
	}

}
