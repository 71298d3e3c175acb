package io.github.redisstreams.sample.order;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * An order as it travels on the {@code orders} destination, as JSON.
 * <p>
 * Numbers are boxed so that a message missing a field still converts and is then rejected by
 * {@link OrderValidator} with a message that names the field.
 *
 * @param orderId the business key: an order is counted once per orderId, however often it is delivered
 * @param customerId who ordered
 * @param sku what was ordered
 * @param quantity how many; must be positive
 * @param amount the order's total price, at most two decimals
 * @param createdAt when the order was placed
 */
public record Order(String orderId, String customerId, String sku, Integer quantity, BigDecimal amount,
		Instant createdAt) {

}
