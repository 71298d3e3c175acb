package io.github.redisstreams.binder.inbound;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.RedisStreamAcknowledgment;

/**
 * The acknowledgement handle of one delivery with {@code ack-mode: manual}. Its life: the handler runs
 * ({@code RUNNING}; a settlement asked for meanwhile is kept, {@code REQUESTED}, and applied when the handler
 * returns, or dropped when the attempt throws), then the entry waits for the application ({@code WAITING}),
 * until it is settled ({@code SETTLED}) or the binder takes it back ({@code CLOSED}: its handler failed for
 * good, or the consumer stopped). Thread-safe.
 */
final class ManualAcknowledgment implements RedisStreamAcknowledgment {

	enum State {

		RUNNING, REQUESTED, WAITING, SETTLED, CLOSED

	}

	private enum Outcome {

		ACKNOWLEDGED, REJECTED, REQUEUED

	}

	private final Delivery delivery;

	private final String markerKey;

	private final Settlement settlement;

	/** The reset of the delivery counters of the entry's batch: a requeue is recorded after it. */
	private final CompletableFuture<?> countsReset;

	/** When the handler returned: the entry waits for the application from then on. */
	private volatile long waitingSince;

	private State state = State.RUNNING;

	private Outcome outcome;

	private Throwable reason;

	private String closedBecause;

	private List<CompletableFuture<?>> writes = List.of();

	ManualAcknowledgment(Delivery delivery, String markerKey, Settlement settlement, CompletableFuture<?> countsReset) {
		this.delivery = delivery;
		this.markerKey = markerKey;
		this.settlement = settlement;
		this.countsReset = countsReset;
	}

	@Override
	public String entryId() {
		return this.delivery.id();
	}

	@Override
	public void acknowledge() {
		settle(Outcome.ACKNOWLEDGED, null);
	}

	@Override
	public void reject(Throwable reason) {
		settle(Outcome.REJECTED, (reason != null) ? reason : new IllegalStateException("rejected by the application"));
	}

	@Override
	public void requeue() {
		settle(Outcome.REQUEUED, null);
	}

	private void settle(Outcome asked, Throwable why) {
		synchronized (this) {
			switch (this.state) {
				case RUNNING -> {
					// applied once the handler returned: its writes are known then
					this.state = State.REQUESTED;
					this.outcome = asked;
					this.reason = why;
					return;
				}
				case WAITING -> {
					this.state = State.SETTLED;
					this.outcome = asked;
					this.reason = why;
				}
				case REQUESTED, SETTLED -> throw new IllegalStateException("Entry " + entryId() + " was already "
						+ describe(this.outcome) + "; it cannot be " + describe(asked) + " as well");
				case CLOSED -> throw new IllegalStateException("Entry " + entryId() + " can no longer be "
						+ describe(asked) + ": " + this.closedBecause);
			}
		}
		apply();
	}

	/**
	 * A (new) attempt of the handler starts: what an attempt that threw asked for is void.
	 */
	synchronized void attemptStarted() {
		if (this.state == State.REQUESTED) {
			this.state = State.RUNNING;
			this.outcome = null;
			this.reason = null;
		}
	}

	/**
	 * The handler returned: applies what it asked for, or leaves the entry waiting for the application.
	 * @param handlerWrites the replies of the writes the handler made through the binder
	 * @param unacknowledged where the entry waits meanwhile
	 */
	void handlerReturned(List<CompletableFuture<?>> handlerWrites, UnacknowledgedEntries unacknowledged) {
		synchronized (this) {
			this.writes = handlerWrites;
			if (this.state != State.REQUESTED) {
				this.state = State.WAITING;
				this.waitingSince = System.nanoTime();
				unacknowledged.add(this);
				return;
			}
			this.state = State.SETTLED;
		}
		apply();
	}

	/**
	 * The binder settles the entry itself (its handler failed for good, or the consumer stops).
	 * @return false when the application had settled it already
	 */
	synchronized boolean close(String because) {
		if (this.state == State.SETTLED || this.state == State.CLOSED) {
			return false;
		}
		this.state = State.CLOSED;
		this.closedBecause = because;
		return true;
	}

	Delivery delivery() {
		return this.delivery;
	}

	CompletableFuture<?> countsReset() {
		return this.countsReset;
	}

	/**
	 * When the entry started waiting for the application ({@link System#nanoTime()}).
	 */
	long waitingSince() {
		return this.waitingSince;
	}

	private void apply() {
		switch (this.outcome) {
			case ACKNOWLEDGED -> this.settlement.acknowledge(this, this.delivery, this.markerKey, this.writes);
			case REJECTED -> this.settlement.reject(this, this.delivery, this.reason);
			case REQUEUED -> this.settlement.requeue(this, this.delivery, this.countsReset);
		}
	}

	private static String describe(Outcome outcome) {
		return switch (outcome) {
			case ACKNOWLEDGED -> "acknowledged";
			case REJECTED -> "rejected";
			case REQUEUED -> "requeued";
		};
	}

	/**
	 * Carries out what the application decided, on the thread that decided it.
	 */
	interface Settlement {

		void acknowledge(ManualAcknowledgment acknowledgment, Delivery delivery, String markerKey,
				List<CompletableFuture<?>> writes);

		void reject(ManualAcknowledgment acknowledgment, Delivery delivery, Throwable reason);

		void requeue(ManualAcknowledgment acknowledgment, Delivery delivery, CompletableFuture<?> countsReset);

	}

}
