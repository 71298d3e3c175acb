package io.github.redisstreams.binder.topology;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;

/**
 * Keyed orders sent through a producer binding and consumed by the same application, with what each side saw:
 * the producer which sends Redis acknowledged (the binding is {@code sync}) and which failed, the consumer every
 * delivery in arrival order. Orders are named {@code k<key>-<sequence>}, ten keys in turn, so that a check can
 * tell a lost order from one that failed visibly, count redeliveries, and find orders of a key that arrived
 * out of their sending order.
 */
final class OrderTraffic implements AutoCloseable {

	static final String BINDING = "orders-out";

	private static final Pattern ORDER_ID = Pattern.compile("\"orderId\":\"(k\\d+-(\\d+))\"");

	private static final int KEYS = 10;

	private final StreamBridge bridge;

	private final AtomicLong sequence = new AtomicLong();

	/** Order id to the time (nanoTime) Redis acknowledged its write. */
	private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();

	private final Set<String> failed = ConcurrentHashMap.newKeySet();

	private final List<String> deliveries = new CopyOnWriteArrayList<>();

	private final Thread producer;

	private volatile boolean running = true;

	private OrderTraffic(ConfigurableApplicationContext app) {
		this.bridge = app.getBean(StreamBridge.class);
		app.getBean(OrderHandler.class).behave((order) -> this.deliveries.add(order.orderId()));
		this.producer = new Thread(this::produce, "order-traffic");
		this.producer.setDaemon(true);
	}

	/**
	 * Starts sending through {@link #BINDING} from one thread, an order about every two milliseconds.
	 */
	static OrderTraffic start(ConfigurableApplicationContext app) {
		OrderTraffic traffic = new OrderTraffic(app);
		traffic.producer.start();
		return traffic;
	}

	private void produce() {
		while (this.running) {
			long seq = this.sequence.incrementAndGet();
			String id = "k" + (seq % KEYS) + "-" + seq;
			try {
				this.bridge.send(BINDING, new Order(id, 1));
				this.acknowledged.put(id, System.nanoTime());
			}
			catch (RuntimeException ex) {
				this.failed.add(id);
			}
			// pacing, not waiting for an outcome
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
		}
	}

	/** The sequence number of the last order sent so far. */
	long lastSequence() {
		return this.sequence.get();
	}

	/** How many orders sent after the given sequence number were delivered. */
	long deliveredAfter(long sequence) {
		return this.deliveries.stream().distinct().filter((id) -> sequenceOf(id) > sequence).count();
	}

	void stop() throws InterruptedException {
		this.running = false;
		this.producer.join(TimeUnit.SECONDS.toMillis(30));
	}

	Set<String> acknowledged() {
		return new TreeSet<>(this.acknowledged.keySet());
	}

	/** Orders acknowledged at or after the given time (nanoTime). */
	Set<String> acknowledgedSince(long nanoTime) {
		Set<String> since = new TreeSet<>();
		this.acknowledged.forEach((id, at) -> {
			if (at >= nanoTime) {
				since.add(id);
			}
		});
		return since;
	}

	/** When (nanoTime) the last of the given orders was acknowledged; {@code Long.MIN_VALUE} for none. */
	long lastAcknowledgement(Set<String> ids) {
		return ids.stream().map(this.acknowledged::get).filter(java.util.Objects::nonNull).mapToLong(Long::longValue)
			.max().orElse(Long.MIN_VALUE);
	}

	Set<String> failed() {
		return new TreeSet<>(this.failed);
	}

	Set<String> delivered() {
		return new HashSet<>(this.deliveries);
	}

	/** Deliveries beyond the first of each order. */
	int redeliveries() {
		return this.deliveries.size() - delivered().size();
	}

	/**
	 * First deliveries that came after a later order of the same key had already been delivered.
	 */
	int keyOrderInversions() {
		Map<String, Long> lastPerKey = new ConcurrentHashMap<>();
		Set<String> seen = new HashSet<>();
		int inversions = 0;
		for (String id : new ArrayList<>(this.deliveries)) {
			if (!seen.add(id)) {
				continue;
			}
			String key = id.substring(0, id.indexOf('-'));
			long seq = sequenceOf(id);
			Long last = lastPerKey.get(key);
			if (last != null && last > seq) {
				inversions++;
			}
			else {
				lastPerKey.put(key, seq);
			}
		}
		return inversions;
	}

	/** A set for a log line: its size and at most its first ten members. */
	static String summary(Set<String> ids) {
		return ids.size() + " " + ids.stream().limit(10).toList() + ((ids.size() > 10) ? "..." : "");
	}

	/** The order id in an entry's JSON payload. */
	static String orderIdOf(String payload) {
		Matcher matcher = ORDER_ID.matcher(payload);
		if (!matcher.find()) {
			throw new IllegalArgumentException("Not an order: " + payload);
		}
		return matcher.group(1);
	}

	private static long sequenceOf(String id) {
		return Long.parseLong(id.substring(id.indexOf('-') + 1));
	}

	@Override
	public void close() throws InterruptedException {
		stop();
	}

}
