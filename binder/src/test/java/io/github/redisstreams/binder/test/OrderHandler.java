package io.github.redisstreams.binder.test;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The handler of {@link OrderTestApp}: counts invocations and successes per order id, and behaves as a
 * test says (succeed, throw, be slow).
 */
public class OrderHandler {

	private volatile Consumer<Order> behaviour = (order) -> {
	};

	private final Map<String, AtomicInteger> invocations = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> successes = new ConcurrentHashMap<>();

	public void behave(Consumer<Order> behaviour) {
		this.behaviour = behaviour;
	}

	public void handle(Order order) {
		this.invocations.computeIfAbsent(order.orderId(), (id) -> new AtomicInteger()).incrementAndGet();
		this.behaviour.accept(order);
		this.successes.computeIfAbsent(order.orderId(), (id) -> new AtomicInteger()).incrementAndGet();
	}

	public int invocations(String orderId) {
		AtomicInteger count = this.invocations.get(orderId);
		return (count != null) ? count.get() : 0;
	}

	public int successes(String orderId) {
		AtomicInteger count = this.successes.get(orderId);
		return (count != null) ? count.get() : 0;
	}

	public int totalSuccesses() {
		return this.successes.values().stream().mapToInt(AtomicInteger::get).sum();
	}

	public Map<String, AtomicInteger> successesById() {
		return this.successes;
	}

}
