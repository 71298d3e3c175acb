package io.github.redisstreams.binder.inbound;

import java.util.List;

import io.github.redisstreams.binder.support.Delivery;

/**
 * The entries of a consumer's current batch of new entries that no handler has started yet. A stop that
 * gives up waiting for a handler (shutdown-timeout) hands these back from another thread, so that they do not
 * wait, leased, for as long as that handler runs; the consumer then starts none of them. Thread-safe.
 */
final class UnstartedEntries {

	private List<Delivery> batch = List.of();

	private int next;

	private boolean handedBack;

	synchronized void begin(List<Delivery> batch) {
		this.batch = batch;
		this.next = 0;
		this.handedBack = false;
	}

	/**
	 * Marks the entry at this index as started.
	 * @return false when the rest of the batch was handed back: the consumer must start nothing more
	 */
	synchronized boolean start(int index) {
		if (this.handedBack) {
			return false;
		}
		this.next = index + 1;
		return true;
	}

	/**
	 * Takes the entries no handler has started, which the consumer will then not start.
	 * @return those entries, empty when there are none
	 */
	synchronized List<Delivery> takeForHandBack() {
		if (this.handedBack) {
			return List.of();
		}
		this.handedBack = true;
		return List.copyOf(this.batch.subList(Math.min(this.next, this.batch.size()), this.batch.size()));
	}

	synchronized void end() {
		this.batch = List.of();
		this.next = 0;
	}

}
