package io.github.redisstreams.benchmarks;

import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code Consumer<Order>} of every implementation under test: it hands each order to the tracker
 * of the current round. Binder applications bind it as their function (a batch consumer calls
 * {@link #acceptAll(List)}); the hand-written consumers call it after decoding the JSON payload.
 */
final class OrderSink implements Consumer<Order> {

	private volatile DeliveryTracker tracker;

	void track(DeliveryTracker tracker) {
		this.tracker = tracker;
	}

	@Override
	public void accept(Order order) {
		tracker(order).delivered(order);
	}

	/** A batch consumer's handler call: each order in turn, and the size of the batch. */
	void acceptAll(List<Order> orders) {
		if (orders.isEmpty()) {
			return;
		}
		DeliveryTracker current = tracker(orders.get(0));
		current.batch(orders.size());
		for (Order order : orders) {
			current.delivered(order);
		}
	}

	/** Records that a consumer read {@code entries} messages at once, for the report. */
	void read(int entries) {
		DeliveryTracker current = this.tracker;
		if (current != null) {
			current.batch(entries);
		}
	}

	private DeliveryTracker tracker(Order order) {
		DeliveryTracker current = this.tracker;
		if (current == null) {
			throw new IllegalStateException("An order arrived while no round was running: " + order.orderId());
		}
		return current;
	}

}
