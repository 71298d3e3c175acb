package io.github.redisstreams.binder.inbound;

import java.util.concurrent.atomic.AtomicReference;

import org.springframework.integration.acks.AcknowledgmentCallback;
import org.springframework.util.Assert;

import io.github.redisstreams.binder.support.Delivery;

/**
 * The acknowledgement callback of one polled message (its
 * {@link org.springframework.integration.IntegrationMessageHeaderAccessor#ACKNOWLEDGMENT_CALLBACK} header): settles
 * the entry once, from any thread, through its {@link RedisStreamMessageSource}.
 * <ul>
 * <li>{@code ACCEPT}: acknowledged ({@code XACK}, with its idempotency marker), once Redis confirmed the writes its
 * handler made on the polling thread;</li>
 * <li>{@code REJECT}: dead-lettered now, with the failure of its handler when there was one (or, without a
 * dead-letter stream, acknowledged and reported as dropped);</li>
 * <li>{@code REQUEUE}: handed back to the group with this delivery counted, to be delivered again at once.</li>
 * </ul>
 * A callback settles its entry once: a second use, or a use after the source stopped and handed the entry back,
 * throws {@link IllegalStateException}.
 */
final class EntryAcknowledgment implements AcknowledgmentCallback {

	enum State {

		/** Delivered, not settled: its lease is kept. */
		IN_HAND,

		/** Being settled by the thread that acknowledged it. */
		SETTLING,

		SETTLED,

		/** Given back to the group by a stopping source; it is delivered again. */
		HANDED_BACK

	}

	private final RedisStreamMessageSource source;

	private final Delivery delivery;

	private final String markerKey;

	private final long deliveredAt = System.nanoTime();

	private final AtomicReference<State> state = new AtomicReference<>(State.IN_HAND);

	private volatile boolean autoAck = true;

	private volatile Throwable failure;

	private volatile String settledAs;

	EntryAcknowledgment(RedisStreamMessageSource source, Delivery delivery, String markerKey) {
		this.source = source;
		this.delivery = delivery;
		this.markerKey = markerKey;
	}

	Delivery delivery() {
		return this.delivery;
	}

	String markerKey() {
		return this.markerKey;
	}

	long deliveredAt() {
		return this.deliveredAt;
	}

	/**
	 * The failure of the handler, when the binding's error handling recorded one.
	 */
	Throwable failure() {
		return this.failure;
	}

	State state() {
		return this.state.get();
	}

	@Override
	public void acknowledge(Status status) {
		Assert.notNull(status, "'status' must not be null");
		State previous = this.state.compareAndExchange(State.IN_HAND, State.SETTLING);
		if (previous != State.IN_HAND) {
			throw new IllegalStateException(misuse(previous, status));
		}
		try {
			this.source.settle(this, status);
		}
		finally {
			settled(status.name());
		}
	}

	@Override
	public boolean isAcknowledged() {
		State current = this.state.get();
		return current == State.SETTLING || current == State.SETTLED;
	}

	@Override
	public void noAutoAck() {
		this.autoAck = false;
	}

	@Override
	public boolean isAutoAck() {
		return this.autoAck;
	}

	/**
	 * The handler failed after its in-process retries (the binding's error handling reports it): the failure is
	 * recorded for a later {@code REJECT}, and a message acknowledged automatically is settled now as a failed
	 * delivery. With {@link #noAutoAck()} the application decides.
	 * @param cause the failure
	 */
	void handlerFailed(Throwable cause) {
		this.failure = cause;
		if (this.autoAck && this.state.compareAndSet(State.IN_HAND, State.SETTLING)) {
			try {
				this.source.settleFailed(this, cause);
			}
			finally {
				settled("a failed delivery");
			}
		}
	}

	/**
	 * Settles a message acknowledged automatically that its poller left unsettled (it failed before the handler, a
	 * payload that could not be converted for example), as a failed delivery.
	 * @return true when it was still in hand
	 */
	boolean abandoned(Throwable cause) {
		if (!this.autoAck || !this.state.compareAndSet(State.IN_HAND, State.SETTLING)) {
			return false;
		}
		try {
			this.source.settleFailed(this, cause);
		}
		finally {
			settled("a failed delivery");
		}
		return true;
	}

	/**
	 * Marks the entry as given back by a stopping source, unless it was settled meanwhile.
	 * @return true when the caller must hand it back
	 */
	boolean handBack() {
		return this.state.compareAndSet(State.IN_HAND, State.HANDED_BACK);
	}

	private void settled(String outcome) {
		this.settledAs = outcome;
		this.state.set(State.SETTLED);
		this.source.settled(this);
	}

	private String misuse(State previous, Status status) {
		String entry = "Entry " + this.delivery.id() + " of " + this.source.describe();
		if (previous == State.HANDED_BACK) {
			return entry + " cannot be acknowledged (" + status + "): its source was stopped before, and handed it "
					+ "back to the group, which delivers it again";
		}
		String outcome = (this.settledAs != null) ? this.settledAs : "in progress";
		return entry + " cannot be acknowledged (" + status + "): it was already settled (" + outcome + "); an "
				+ "acknowledgement callback can be used once";
	}

	@Override
	public String toString() {
		return "EntryAcknowledgment[" + this.delivery.id() + ", " + this.state.get() + "]";
	}

}
