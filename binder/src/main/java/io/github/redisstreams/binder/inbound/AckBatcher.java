package io.github.redisstreams.binder.inbound;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.observability.ConsumerMetrics;
import io.github.redisstreams.binder.support.Delivery;

/**
 * Coalesces the acknowledgements of one consumer: ids are added only after their handler succeeded,
 * and sent as one {@code XACK} (or one {@code ack-and-mark} script when idempotency markers go with
 * them) per batch, without waiting for the reply before reading on. A flush that fails leaves its
 * entries pending: they are delivered again later (a duplicate, never a loss).
 * <p>
 * An id stays in the consumer's lease set until its acknowledgement is sent: while it waits here (for
 * example behind a slow handler working on the next entry) it must not look abandoned to the other
 * consumers, or they would claim and process it again.
 * <p>
 * Not thread-safe: one instance per consumer loop.
 */
final class AckBatcher {

	private static final Log logger = LogFactory.getLog(AckBatcher.class);

	private static final LuaScript ACK_AND_MARK = LuaScript.load("ack-and-mark.lua");

	/** Flush at the latest when this many acknowledgements are waiting. */
	private static final int MAX_BATCH = 500;

	/** Flush at the latest when the oldest waiting acknowledgement is this old. */
	private static final long MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final StreamCommands commands;

	private final String stream;

	private final String group;

	private final Duration markerTtl;

	private final ConsumerMetrics metrics;

	private final Set<String> held;

	private final List<String> ids = new ArrayList<>();

	private final List<String> markerKeys = new ArrayList<>();

	private final ConcurrentHashMap.KeySetView<CompletableFuture<?>, Boolean> inFlight = ConcurrentHashMap.newKeySet();

	private long firstAddedAt;

	/**
	 * @param markerTtl time-to-live of idempotency markers, or null when the binding has none
	 * @param held the consumer's lease set, from which ids are removed when their acknowledgement is sent
	 */
	AckBatcher(StreamCommands commands, String stream, String group, Duration markerTtl, ConsumerMetrics metrics,
			Set<String> held) {
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.markerTtl = markerTtl;
		this.metrics = metrics;
		this.held = held;
	}

	/**
	 * Queues the acknowledgement of a successfully processed entry.
	 * @param id the entry id
	 * @param markerKey the idempotency marker to write with it, or null
	 */
	void add(String id, String markerKey) {
		if (this.ids.isEmpty()) {
			this.firstAddedAt = System.nanoTime();
		}
		this.ids.add(id);
		if (markerKey != null) {
			this.markerKeys.add(markerKey);
		}
	}

	/**
	 * Flushes when enough acknowledgements are waiting or the oldest has waited long enough (slow
	 * handlers must not hold finished entries unacknowledged for long: a crash would redeliver them).
	 */
	void flushIfDue() {
		if (!this.ids.isEmpty()
				&& (this.ids.size() >= MAX_BATCH || System.nanoTime() - this.firstAddedAt >= MAX_DELAY_NANOS)) {
			flush();
		}
	}

	/**
	 * Sends the waiting acknowledgements without waiting for the reply.
	 */
	void flush() {
		if (this.ids.isEmpty()) {
			return;
		}
		List<String> batch = new ArrayList<>(this.ids);
		this.ids.clear();
		batch.forEach(this.held::remove);
		CompletableFuture<?> done;
		try {
			done = this.markerKeys.isEmpty() ? this.commands.ack(this.stream, this.group, batch).toCompletableFuture()
					: ackAndMark(batch);
		}
		catch (RedisException ex) {
			logFailure(batch.size(), ex);
			return;
		}
		finally {
			this.markerKeys.clear();
		}
		this.inFlight.add(done);
		done.whenComplete((result, ex) -> {
			this.inFlight.remove(done);
			if (ex != null) {
				logFailure(batch.size(), ex);
			}
			else if (this.metrics != ConsumerMetrics.NOOP) {
				this.metrics.acked(batch.size());
				long now = System.currentTimeMillis();
				for (String id : batch) {
					long createdAt = Delivery.timestampOf(id);
					if (createdAt > 0) {
						this.metrics.endToEndLatency(Math.max(0, now - createdAt));
					}
				}
			}
		});
	}

	/**
	 * Waits until every flushed acknowledgement has its reply.
	 * @param timeout the longest wait
	 * @return true when none is outstanding any more
	 */
	boolean awaitFlushed(Duration timeout) {
		List<CompletableFuture<?>> outstanding = new ArrayList<>(this.inFlight);
		if (outstanding.isEmpty()) {
			return true;
		}
		try {
			CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new))
				.handle((result, ex) -> null)
				.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (Exception ex) {
			return false;
		}
	}

	private CompletableFuture<Long> ackAndMark(List<String> batch) {
		List<String> keys = new ArrayList<>(this.markerKeys.size() + 1);
		keys.add(this.stream);
		keys.addAll(this.markerKeys);
		List<byte[]> args = new ArrayList<>(batch.size() + 3);
		args.add(bytes(this.group));
		args.add(bytes(Long.toString(this.markerTtl.toMillis())));
		args.add(bytes(Integer.toString(batch.size())));
		for (String id : batch) {
			args.add(bytes(id));
		}
		return this.commands.evalAsync(ACK_AND_MARK, ScriptOutputType.INTEGER, keys, args);
	}

	private void logFailure(int count, Throwable ex) {
		logger.warn("Could not acknowledge " + count + " processed entries of stream '" + this.stream + "' (group '"
				+ this.group + "'); they stay pending and will be delivered again: " + ex);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
