package io.github.redisstreams.sample.analytics;

import java.util.List;
import java.util.Map;

/**
 * The analytics read model, as {@code GET /orders/analytics} shows it.
 *
 * @param orders orders counted, each once per orderId
 * @param duplicates deliveries of orders counted before, which changed no count (a redelivered batch, an
 * order sent twice)
 * @param ordersPerSku orders per SKU
 * @param ordersPerMinute orders per SKU in each of the last minutes (UTC, by when the order was placed),
 * oldest first; minutes without orders are left out
 * @param batches the batches the analytics consumer received
 */
public record AnalyticsReport(long orders, long duplicates, Map<String, Long> ordersPerSku,
		Map<String, Map<String, Long>> ordersPerMinute, Batches batches) {

	/**
	 * The batches received: each is one call of the analytics consumer, redeliveries included.
	 *
	 * @param count how many batches
	 * @param entries how many orders they held, invalid ones and duplicates included
	 * @param largest the size of the largest batch
	 * @param recentSizes the sizes of the newest batches, newest first
	 */
	public record Batches(long count, long entries, long largest, List<Long> recentSizes) {

	}

}
