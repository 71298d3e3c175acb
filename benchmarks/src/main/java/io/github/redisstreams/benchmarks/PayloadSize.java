package io.github.redisstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;

/**
 * The two payload sizes of the benchmarks, as JSON of an {@link Order}: the number of order lines is
 * chosen so that the JSON comes closest to the target size.
 */
enum PayloadSize {

	SMALL("~200 B", 200), LARGE("~2 KB", 2048);

	private final String label;

	private final int targetBytes;

	private volatile List<Order.OrderLine> lines;

	PayloadSize(String label, int targetBytes) {
		this.label = label;
		this.targetBytes = targetBytes;
	}

	String label() {
		return this.label;
	}

	/**
	 * A new order of this size. The lines are shared between orders (they are immutable); each order
	 * is still serialized in full.
	 */
	Order order(int round, long seq, long sentAtNanos) {
		return new Order(orderId(round, seq), round, seq, sentAtNanos, "customer-" + (seq % 10_000), "EUR", lines());
	}

	/**
	 * The JSON size of a typical order of this size class.
	 */
	int jsonBytes(JsonMapper mapper) {
		return mapper.writeValueAsBytes(order(1, 123_456, System.nanoTime())).length;
	}

	private List<Order.OrderLine> lines() {
		List<Order.OrderLine> chosen = this.lines;
		if (chosen == null) {
			chosen = fitLines(JsonMapper.builder().build());
			this.lines = chosen;
		}
		return chosen;
	}

	private List<Order.OrderLine> fitLines(JsonMapper mapper) {
		List<Order.OrderLine> candidate = new ArrayList<>();
		List<Order.OrderLine> best = List.of();
		int bestDistance = Integer.MAX_VALUE;
		for (int count = 1; count <= 200; count++) {
			candidate.add(new Order.OrderLine(String.format("SKU-%06d", count * 7919 % 1_000_000), 1 + count % 5,
					199 + count * 37L));
			Order order = new Order(orderId(1, 123_456), 1, 123_456, 1_234_567_890_123L, "customer-4242", "EUR",
					candidate);
			int distance = Math.abs(mapper.writeValueAsBytes(order).length - this.targetBytes);
			if (distance > bestDistance) {
				break;
			}
			bestDistance = distance;
			best = List.copyOf(candidate);
		}
		return best;
	}

	private static String orderId(int round, long seq) {
		return "order-" + round + "-" + seq;
	}

}
