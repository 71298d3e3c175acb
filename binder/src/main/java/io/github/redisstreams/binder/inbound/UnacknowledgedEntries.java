package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * With {@code ack-mode: manual}: the entries one consumer handed to its handler that the application has not
 * settled yet. The consumer reads no more while {@code max-unacknowledged} of them wait, keeps their leases
 * (they stay in its lease set), and closes them when it stops. Thread-safe: the application settles entries
 * from any thread.
 */
final class UnacknowledgedEntries {

	private final int max;

	private final Map<String, ManualAcknowledgment> waiting = new LinkedHashMap<>();

	UnacknowledgedEntries(int max) {
		this.max = max;
	}

	synchronized void add(ManualAcknowledgment acknowledgment) {
		this.waiting.put(acknowledgment.entryId(), acknowledgment);
	}

	synchronized void remove(ManualAcknowledgment acknowledgment) {
		if (this.waiting.remove(acknowledgment.entryId(), acknowledgment)) {
			notifyAll();
		}
	}

	synchronized boolean contains(String entryId) {
		return this.waiting.containsKey(entryId);
	}

	synchronized int size() {
		return this.waiting.size();
	}

	/**
	 * How many more entries the consumer may read now.
	 */
	synchronized int room() {
		return Math.max(0, this.max - this.waiting.size());
	}

	/**
	 * Waits until the consumer may read again, or the time is up.
	 * @return true when there is room
	 */
	synchronized boolean awaitRoom(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.waiting.size() >= this.max) {
			long left = (deadline - System.nanoTime()) / 1_000_000;
			if (left <= 0) {
				return false;
			}
			wait(left);
		}
		return true;
	}

	/**
	 * Waits until the application has settled every entry, or the time is up.
	 * @return true when none waits any more
	 */
	synchronized boolean awaitNone(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!this.waiting.isEmpty()) {
			long left = (deadline - System.nanoTime()) / 1_000_000;
			if (left <= 0) {
				return false;
			}
			wait(left);
		}
		return true;
	}

	/**
	 * Takes the entries that have waited for the application longer than the given time, which may then
	 * settle none of them.
	 * @return their acknowledgements, closed, oldest first
	 */
	List<ManualAcknowledgment> closeOlderThan(Duration timeout, String why) {
		long now = System.nanoTime();
		List<ManualAcknowledgment> expired = new ArrayList<>();
		synchronized (this) {
			for (ManualAcknowledgment acknowledgment : this.waiting.values()) {
				if (now - acknowledgment.waitingSince() < timeout.toNanos()) {
					// oldest first: the rest waited less
					break;
				}
				expired.add(acknowledgment);
			}
		}
		List<ManualAcknowledgment> closed = new ArrayList<>(expired.size());
		for (ManualAcknowledgment acknowledgment : expired) {
			if (acknowledgment.close(why)) {
				closed.add(acknowledgment);
			}
			remove(acknowledgment);
		}
		return closed;
	}

	/**
	 * Takes every entry still waiting for the application, which may then settle none of them.
	 * @return their acknowledgements, closed
	 */
	List<ManualAcknowledgment> closeAll(String why) {
		List<ManualAcknowledgment> all;
		synchronized (this) {
			all = new ArrayList<>(this.waiting.values());
		}
		List<ManualAcknowledgment> closed = new ArrayList<>(all.size());
		for (ManualAcknowledgment acknowledgment : all) {
			if (acknowledgment.close(why)) {
				closed.add(acknowledgment);
			}
			remove(acknowledgment);
		}
		return closed;
	}

}
