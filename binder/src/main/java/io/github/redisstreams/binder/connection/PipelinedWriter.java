package io.github.redisstreams.binder.connection;

import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/**
 * Writes {@code XADD}s on a connection of its own whose commands are flushed to the socket in groups.
 * <p>
 * Written by hand because Lettuce's default, one socket write per command, costs the producer thread, the
 * client's I/O thread and Redis several times what the command itself costs at high rates. Auto-flush is
 * off; after a write, a flush is scheduled on Lettuce's own executor unless one is already pending, so
 * every write that arrives meanwhile leaves with the same socket write. A lone message leaves at once (the
 * flush runs as soon as the executor picks it up), a burst leaves in groups, and a group never exceeds
 * {@value #MAX_UNFLUSHED} commands. Writes that must be confirmed before the send returns
 * ({@code sync: true}) are flushed immediately. Writes made while Redis is unreachable wait in the client's
 * buffer, bounded by the producers' {@code max-in-flight}, and leave once the connection is back.
 */
public final class PipelinedWriter {

	private static final int MAX_UNFLUSHED = 512;

	/** How often writes buffered while Redis is unreachable are offered to the connection again. */
	private static final long RETRY_FLUSH_MILLIS = 100;

	private final StatefulConnection<byte[], byte[]> connection;

	private final RedisClusterAsyncCommands<byte[], byte[]> async;

	private final ScheduledExecutorService flushExecutor;

	private final AtomicBoolean flushScheduled = new AtomicBoolean();

	private final AtomicInteger unflushed = new AtomicInteger();

	PipelinedWriter(StatefulConnection<byte[], byte[]> connection, ScheduledExecutorService flushExecutor) {
		this.connection = connection;
		this.flushExecutor = flushExecutor;
		connection.setAutoFlushCommands(false);
		if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
			this.async = cluster.async();
		}
		else {
			this.async = ((StatefulRedisConnection<byte[], byte[]>) connection).async();
		}
	}

	StatefulConnection<byte[], byte[]> connection() {
		return this.connection;
	}

	/**
	 * {@code XADD stream [trim options] * field value ...}, sent with the next flush.
	 * @param args trim options, or null for none
	 * @param flushNow whether to send it (and everything before it) at once
	 * @return the reply
	 */
	public RedisFuture<String> add(String stream, XAddArgs args, Map<byte[], byte[]> fields, boolean flushNow) {
		byte[] key = StreamCommands.bytes(stream);
		RedisFuture<String> reply = (args != null) ? this.async.xadd(key, args, fields) : this.async.xadd(key, fields);
		if (flushNow || this.unflushed.incrementAndGet() >= MAX_UNFLUSHED) {
			flush();
		}
		else if (this.flushScheduled.compareAndSet(false, true)) {
			this.flushExecutor.execute(this::scheduledFlush);
		}
		return reply;
	}

	/**
	 * Sends every write not sent yet. While Redis is unreachable the client keeps them buffered, and only
	 * a flush after the reconnection sends them: one is scheduled until the connection is back.
	 */
	public void flush() {
		// one flush at a time: two threads draining the buffer at once could hand their parts to the
		// connection in the opposite order, and entries would land in the stream out of order
		synchronized (this) {
			this.unflushed.set(0);
			this.connection.flushCommands();
		}
		if (!this.connection.isOpen() && this.flushScheduled.compareAndSet(false, true)) {
			this.flushExecutor.schedule(this::scheduledFlush, RETRY_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
		}
	}

	private void scheduledFlush() {
		// cleared before flushing: a write that finds it cleared schedules the next flush itself
		this.flushScheduled.set(false);
		flush();
	}

}
