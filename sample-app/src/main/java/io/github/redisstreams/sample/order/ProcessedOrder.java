package io.github.redisstreams.sample.order;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * An order as recorded by the pipeline, with the moment it was processed.
 *
 * @param orderId the business key
 * @param customerId who ordered
 * @param sku what was ordered
 * @param quantity how many
 * @param amount the order's total price
 * @param createdAt when the order was placed
 * @param processedAt when the pipeline recorded it
 */
public record ProcessedOrder(String orderId, String customerId, String sku, int quantity, BigDecimal amount,
		Instant createdAt, Instant processedAt) {

	static ProcessedOrder of(Order order, Instant processedAt) {
		return new ProcessedOrder(order.orderId(), order.customerId(), order.sku(), order.quantity(), order.amount(),
				order.createdAt(), processedAt);
	}

}
