package io.github.redisstreams.benchmarks;

import java.util.function.Consumer;

/**
 * The {@code Consumer<Order>} of every implementation under test: it hands each order to the tracker
 * of the current round. Binder applications bind it as their function; the hand-written consumers
 * call it after decoding the JSON payload.
 */
final class OrderSink implements Consumer<Order> {

	private volatile DeliveryTracker tracker;

	void track(DeliveryTracker tracker) {
		this.tracker = tracker;
	}

	@Override
	public void accept(Order order) {
		DeliveryTracker current = this.tracker;
		if (current == null) {
			throw new IllegalStateException("An order arrived while no round was running: " + order.orderId());
		}
		current.delivered(order);
	}

}
