package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.springframework.cloud.stream.binder.BinderHeaders;
import org.springframework.messaging.Message;

/**
 * The handler of {@link BatchOrderTestApp}: records every batch it gets (orders and per-entry headers), counts
 * invocations and successes per order id, and behaves as a test says (succeed, throw, be slow).
 */
public class BatchOrderHandler {

	private volatile Consumer<List<Order>> behaviour = (orders) -> {
	};

	private final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());

	private final List<List<Map<String, Object>>> batchHeaders = Collections.synchronizedList(new ArrayList<>());

	private final Map<String, AtomicInteger> invocations = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> successes = new ConcurrentHashMap<>();

	public void behave(Consumer<List<Order>> behaviour) {
		this.behaviour = behaviour;
	}

	@SuppressWarnings("unchecked")
	public void handle(Message<List<Order>> message) {
		List<Order> orders = message.getPayload();
		this.batches.add(orders.stream().map(Order::orderId).toList());
		this.batchHeaders.add((List<Map<String, Object>>) message.getHeaders().get(BinderHeaders.BATCH_HEADERS));
		orders.forEach((order) -> this.invocations.computeIfAbsent(order.orderId(), (id) -> new AtomicInteger())
			.incrementAndGet());
		this.behaviour.accept(orders);
		orders.forEach((order) -> this.successes.computeIfAbsent(order.orderId(), (id) -> new AtomicInteger())
			.incrementAndGet());
	}

	/** The order ids of each batch received, in order. */
	public List<List<String>> batches() {
		synchronized (this.batches) {
			return List.copyOf(this.batches);
		}
	}

	/** The per-entry headers of each batch received. */
	public List<List<Map<String, Object>>> batchHeaders() {
		synchronized (this.batchHeaders) {
			return List.copyOf(this.batchHeaders);
		}
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

}
