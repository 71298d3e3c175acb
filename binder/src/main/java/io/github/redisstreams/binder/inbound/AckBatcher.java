package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.RedisStreamTransaction.StagedCommand;
import io.github.redisstreams.binder.support.StreamEntryIds;

/**
 * Coalesces the acknowledgements of one consumer: entries are added only after their handler succeeded,
 * and sent as one {@code XACK} (or one {@code ack-and-mark} script when idempotency markers go with
 * them) per batch, without waiting for the reply before reading on. A flush that fails leaves its
 * entries pending: they are delivered again later (a duplicate, never a loss).
 * <p>
 * An entry whose handler wrote to Redis through the binder (a processor's output) is acknowledged only
 * once Redis confirmed those writes: a flush first waits for the replies of the writes of its entries
 * (usually already there, so the normal path costs no extra round trip), and an entry whose write was
 * refused is not acknowledged but handed to the {@link WriteFailureHandler}, as a failed delivery.
 * <p>
 * An id stays in the consumer's lease set until its acknowledgement is sent: while it waits here (for
 * example behind a slow handler working on the next entry) it must not look abandoned to the other
 * consumers, or they would claim and process it again.
 * <p>
 * One instance per consumer loop; thread-safe, since an application that acknowledges entries itself
 * ({@code ack-mode: manual}) does so on threads of its own.
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

	private final WriteFailureHandler writeFailures;

	private final List<Waiting> waiting = new ArrayList<>();

	/** The atomic steps of a transactional binding waiting to be applied. */
	private final List<StepCommitter.Step> steps = new ArrayList<>();

	private final StepCommitter committer;

	private final String consumer;

	private final ConcurrentHashMap.KeySetView<CompletableFuture<?>, Boolean> inFlight = ConcurrentHashMap.newKeySet();

	private long firstAddedAt;

	/**
	 * @param markerTtl time-to-live of idempotency markers, or null when the binding has none
	 * @param held the consumer's lease set, from which ids are removed when their acknowledgement is sent
	 * @param writeFailures settles entries whose handler's writes Redis refused
	 */
	AckBatcher(StreamCommands commands, String stream, String group, String consumer, Duration markerTtl,
			ConsumerMetrics metrics, Set<String> held, WriteFailureHandler writeFailures) {
		this.consumer = consumer;
		this.committer = new StepCommitter(commands, stream, group, markerTtl, metrics);
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.markerTtl = markerTtl;
		this.metrics = metrics;
		this.held = held;
		this.writeFailures = writeFailures;
	}

	/**
	 * Queues the acknowledgement of a successfully processed entry.
	 * @param delivery the entry
	 * @param markerKey the idempotency marker to write with it, or null
	 * @param writes the replies of the writes its handler made, to be confirmed before it is acknowledged
	 */
	synchronized void add(Delivery delivery, String markerKey, List<CompletableFuture<?>> writes) {
		if (this.waiting.isEmpty() && this.steps.isEmpty()) {
			this.firstAddedAt = System.nanoTime();
		}
		this.waiting.add(new Waiting(delivery, markerKey, writes));
	}

	/**
	 * Queues the atomic step of a transactional binding: the acknowledgement of entries whose handler succeeded
	 * (one, or a batch), applied together with their markers and the writes the handler staged.
	 */
	synchronized void addStep(List<Delivery> deliveries, List<String> markerKeys,
			List<StagedCommand> staged) {
		if (this.waiting.isEmpty() && this.steps.isEmpty()) {
			this.firstAddedAt = System.nanoTime();
		}
		this.steps.add(new StepCommitter.Step(deliveries, markerKeys, staged));
	}

	/**
	 * Queues an acknowledgement and sends what waits at once: an application acknowledging an entry itself
	 * ({@code ack-mode: manual}), on its own thread, decides when it goes out.
	 */
	void addAndFlush(Delivery delivery, String markerKey, List<CompletableFuture<?>> writes) {
		add(delivery, markerKey, writes);
		flush();
	}

	/**
	 * Flushes when enough acknowledgements are waiting or the oldest has waited long enough (slow
	 * handlers must not hold finished entries unacknowledged for long: a crash would redeliver them).
	 */
	void flushIfDue() {
		boolean due;
		synchronized (this) {
			int count = this.waiting.size() + this.steps.size();
			due = count > 0 && (count >= MAX_BATCH || System.nanoTime() - this.firstAddedAt >= MAX_DELAY_NANOS);
		}
		if (due) {
			flush();
		}
	}

	/**
	 * Sends the waiting acknowledgements without waiting for the reply, once the writes of their handlers
	 * are confirmed.
	 */
	void flush() {
		List<Waiting> waited;
		List<StepCommitter.Step> stepsToApply;
		synchronized (this) {
			if (this.waiting.isEmpty() && this.steps.isEmpty()) {
				return;
			}
			waited = new ArrayList<>(this.waiting);
			this.waiting.clear();
			stepsToApply = new ArrayList<>(this.steps);
			this.steps.clear();
		}
		if (!stepsToApply.isEmpty()) {
			commit(stepsToApply);
		}
		if (waited.isEmpty()) {
			return;
		}
		// outside the lock: this may wait for replies (the handlers' writes), and other threads (manual
		// acknowledgements) must not queue behind it
		List<Waiting> batch = confirmedWrites(waited);
		if (batch.isEmpty()) {
			return;
		}
		List<String> ids = new ArrayList<>(batch.size());
		List<String> markerKeys = new ArrayList<>();
		for (Waiting item : batch) {
			ids.add(item.delivery().id());
			if (item.markerKey() != null) {
				markerKeys.add(item.markerKey());
			}
		}
		ids.forEach(this.held::remove);
		CompletableFuture<?> done;
		try {
			done = markerKeys.isEmpty() ? this.commands.xackAsync(this.stream, this.group, ids).toCompletableFuture()
					: ackAndMark(ids, markerKeys);
		}
		catch (RedisException ex) {
			logFailure(ids.size(), ex);
			return;
		}
		this.inFlight.add(done);
		done.whenComplete((result, ex) -> {
			this.inFlight.remove(done);
			if (ex != null) {
				logFailure(ids.size(), ex);
			}
			else if (this.metrics != ConsumerMetrics.NOOP) {
				this.metrics.acked(ids.size());
				long now = System.currentTimeMillis();
				for (String id : ids) {
					long createdAt = StreamEntryIds.timestampOf(id);
					if (createdAt > 0) {
						this.metrics.endToEndLatency(Math.max(0, now - createdAt));
					}
				}
			}
		});
	}

	private void commit(List<StepCommitter.Step> stepsToApply) {
		int count = 0;
		for (StepCommitter.Step step : stepsToApply) {
			step.deliveries().forEach((delivery) -> this.held.remove(delivery.id()));
			count += step.deliveries().size();
		}
		CompletableFuture<?> done;
		try {
			done = this.committer.commit(this.consumer, stepsToApply);
		}
		catch (RuntimeException ex) {
			// the entries stay pending and are delivered again; the acknowledgements of this flush go on
			logFailure(count, ex);
			return;
		}
		this.inFlight.add(done);
		int entries = count;
		done.whenComplete((result, ex) -> {
			this.inFlight.remove(done);
			if (ex != null) {
				logFailure(entries, ex);
			}
		});
	}

	/**
	 * Waits for the replies of the handlers' writes (at most the command timeout) and settles the entries
	 * whose writes were refused or not confirmed.
	 * @return the entries that may be acknowledged
	 */
	private List<Waiting> confirmedWrites(List<Waiting> batch) {
		List<CompletableFuture<?>> writes = new ArrayList<>();
		for (Waiting item : batch) {
			for (CompletableFuture<?> write : item.writes()) {
				if (!write.isDone()) {
					writes.add(write);
				}
			}
		}
		if (!writes.isEmpty()) {
			try {
				CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
					.handle((result, ex) -> null)
					.get(this.commands.timeout().toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (ExecutionException | TimeoutException ex) {
				// settled below, per entry
			}
		}
		List<Waiting> confirmed = new ArrayList<>(batch.size());
		for (Waiting item : batch) {
			Throwable failure = failureOf(item.writes());
			if (failure == null) {
				confirmed.add(item);
			}
			else {
				// released: a failed entry must age, so that it is claimed and delivered again
				this.held.remove(item.delivery().id());
				try {
					this.writeFailures.writesFailed(item.delivery(), failure);
				}
				catch (RuntimeException ex) {
					// the others of the batch are still acknowledged; this one stays pending and comes back
					logger.warn("Could not settle entry " + item.delivery().id() + " of stream '" + this.stream
							+ "' whose handler's writes failed; it stays pending: " + ex);
				}
			}
		}
		return confirmed;
	}

	private Throwable failureOf(List<CompletableFuture<?>> writes) {
		for (CompletableFuture<?> write : writes) {
			if (!write.isDone()) {
				return new TimeoutException("Redis did not confirm a write of the handler within "
						+ this.commands.timeout() + "; the entry is delivered again");
			}
			if (write.isCompletedExceptionally()) {
				try {
					write.join();
				}
				catch (CancellationException ex) {
					return ex;
				}
				catch (CompletionException ex) {
					return (ex.getCause() != null) ? ex.getCause() : ex;
				}
			}
		}
		return null;
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

	private CompletableFuture<Long> ackAndMark(List<String> ids, List<String> markerKeys) {
		List<String> keys = new ArrayList<>(markerKeys.size() + 1);
		keys.add(this.stream);
		keys.addAll(markerKeys);
		return this.commands.evalAsync(ACK_AND_MARK, ScriptOutputType.INTEGER, keys,
				ScriptArgs.of(this.group, this.markerTtl.toMillis(), ids.size()).addAll(ids));
	}

	private void logFailure(int count, Throwable ex) {
		logger.warn("Could not acknowledge " + count + " processed entries of stream '" + this.stream + "' (group '"
				+ this.group + "'); they stay pending and will be delivered again: " + ex);
	}

	/**
	 * Settles an entry whose handler succeeded but whose writes Redis refused (or did not confirm): for
	 * the binding it is a failed delivery.
	 */
	@FunctionalInterface
	interface WriteFailureHandler {

		void writesFailed(Delivery delivery, Throwable cause);

	}

	private record Waiting(Delivery delivery, String markerKey, List<CompletableFuture<?>> writes) {

	}

}
