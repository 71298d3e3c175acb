package io.github.redisstreams.sample.order;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Totals over every processed order.
 *
 * @param orders how many orders were processed
 * @param items the sum of their quantities
 * @param amount the sum of their amounts
 * @param customers the totals per customer id
 */
public record OrderStats(long orders, long items, BigDecimal amount, Map<String, CustomerTotals> customers) {

	/**
	 * Totals of one customer.
	 *
	 * @param orders how many orders the customer placed
	 * @param amount the sum of their amounts
	 */
	public record CustomerTotals(long orders, BigDecimal amount) {

	}

}
