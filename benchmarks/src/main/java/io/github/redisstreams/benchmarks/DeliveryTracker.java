package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Counts what the consumer of one round received, by sequence number: distinct messages, duplicates,
 * and strays (messages of another round). Optionally records the end-to-end latency of each message
 * (delivery time minus the send time it carries) into consecutive windows of sequence numbers.
 * Thread-safe: consumers on several threads call {@link #delivered(Order)}.
 */
final class DeliveryTracker {

	private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(5);

	private final int round;

	private final long expected;

	private final AtomicLongArray seen;

	private final AtomicLong distinct = new AtomicLong();

	private final AtomicLong duplicates = new AtomicLong();

	private final AtomicLong strays = new AtomicLong();

	private final AtomicLong firstAt = new AtomicLong();

	private final AtomicLong batches = new AtomicLong();

	private final AtomicLong batchedEntries = new AtomicLong();

	private volatile long completedAt;

	private final long latencyFromSeq;

	private final long messagesPerWindow;

	private final Histogram[] windows;

	/**
	 * A tracker that only counts.
	 * @param round the round id carried by the messages
	 * @param expected how many distinct messages the round sends
	 */
	DeliveryTracker(int round, long expected) {
		this(round, expected, Long.MAX_VALUE, 1, 0);
	}

	/**
	 * A tracker that also records latencies.
	 * @param latencyFromSeq messages before this sequence number are warm-up: counted, not timed
	 * @param messagesPerWindow how many messages each latency window holds
	 * @param windowCount number of windows
	 */
	DeliveryTracker(int round, long expected, long latencyFromSeq, long messagesPerWindow, int windowCount) {
		this.round = round;
		this.expected = expected;
		this.seen = new AtomicLongArray((int) ((expected + 63) / 64));
		this.latencyFromSeq = latencyFromSeq;
		this.messagesPerWindow = messagesPerWindow;
		this.windows = new Histogram[windowCount];
		for (int i = 0; i < windowCount; i++) {
			this.windows[i] = new ConcurrentHistogram(MAX_LATENCY_NANOS, 3);
		}
	}

	void delivered(Order order) {
		long now = System.nanoTime();
		long seq = order.seq();
		if (order.round() != this.round || seq < 0 || seq >= this.expected) {
			this.strays.incrementAndGet();
			return;
		}
		this.firstAt.compareAndSet(0, now);
		if (!markSeen(seq)) {
			this.duplicates.incrementAndGet();
			return;
		}
		if (seq >= this.latencyFromSeq) {
			int window = (int) ((seq - this.latencyFromSeq) / this.messagesPerWindow);
			if (window < this.windows.length) {
				this.windows[window].recordValue(Math.min(MAX_LATENCY_NANOS, Math.max(0, now - order.sentAtNanos())));
			}
		}
		if (this.distinct.incrementAndGet() == this.expected) {
			this.completedAt = now;
		}
	}

	/**
	 * Records that the consumer took {@code entries} messages at once: one read of the raw client, one
	 * handler call of a batch consumer. Their messages are reported by {@link #delivered(Order)} as usual.
	 */
	void batch(int entries) {
		this.batches.incrementAndGet();
		this.batchedEntries.addAndGet(entries);
	}

	/** Mean messages per {@link #batch(int) batch}, NaN when the consumer reported none. */
	double meanBatch() {
		long count = this.batches.get();
		return (count == 0) ? Double.NaN : this.batchedEntries.get() / (double) count;
	}

	/**
	 * Waits until {@code count} distinct messages arrived.
	 * @return false when they did not within the timeout
	 */
	boolean awaitDistinct(long count, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.distinct.get() < count) {
			if (System.nanoTime() - deadline > 0) {
				return false;
			}
			LockSupport.parkNanos(200_000);
		}
		return true;
	}

	/**
	 * Waits until every expected message arrived.
	 * @return false when some are still missing after the timeout
	 */
	boolean awaitAll(Duration timeout) {
		return awaitDistinct(this.expected, timeout);
	}

	long expected() {
		return this.expected;
	}

	long distinct() {
		return this.distinct.get();
	}

	long duplicates() {
		return this.duplicates.get();
	}

	long strays() {
		return this.strays.get();
	}

	/** {@link System#nanoTime()} of the first delivery, 0 if none. */
	long firstDeliveryAt() {
		return this.firstAt.get();
	}

	/** {@link System#nanoTime()} at which the last missing message arrived, 0 if not yet. */
	long completedAt() {
		return this.completedAt;
	}

	Histogram window(int index) {
		return this.windows[index];
	}

	/**
	 * Throws when messages were lost, delivered twice or leaked from another round: with no failure
	 * injected, at-least-once delivery must deliver each message exactly once.
	 */
	void verifyExactlyOnce(String what) {
		long missing = this.expected - this.distinct.get();
		if (missing != 0 || this.duplicates.get() != 0 || this.strays.get() != 0) {
			throw new ScenarioFailedException(what + ": " + missing + " of " + this.expected + " messages lost, "
					+ this.duplicates.get() + " duplicated, " + this.strays.get() + " from another round");
		}
	}

	private boolean markSeen(long seq) {
		int slot = (int) (seq >>> 6);
		long bit = 1L << (seq & 63);
		while (true) {
			long bits = this.seen.get(slot);
			if ((bits & bit) != 0) {
				return false;
			}
			if (this.seen.compareAndSet(slot, bits, bits | bit)) {
				return true;
			}
		}
	}

}
