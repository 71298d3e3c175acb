package io.github.redisstreams.sample.order;

import java.math.BigDecimal;

import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The business rules an order must meet before it is recorded.
 */
@Component
public class OrderValidator {

	/**
	 * Whether an order meets every rule.
	 * @param order the order
	 * @return true when {@link #check(Order)} passes
	 */
	public boolean isValid(Order order) {
		try {
			check(order);
			return true;
		}
		catch (InvalidOrderException ex) {
			return false;
		}
	}

	/**
	 * Checks an order.
	 * @param order the order
	 * @throws InvalidOrderException naming the first rule the order breaks
	 */
	public void check(Order order) {
		if (!StringUtils.hasText(order.orderId())) {
			throw new InvalidOrderException("Order has no orderId");
		}
		if (!StringUtils.hasText(order.customerId())) {
			throw new InvalidOrderException("Order " + order.orderId() + " has no customerId");
		}
		if (order.quantity() == null || order.quantity() <= 0) {
			throw new InvalidOrderException(
					"Order " + order.orderId() + " has quantity " + order.quantity() + "; it must be positive");
		}
		BigDecimal amount = order.amount();
		if (amount == null || amount.signum() < 0 || amount.stripTrailingZeros().scale() > 2) {
			throw new InvalidOrderException("Order " + order.orderId() + " has amount " + amount
					+ "; it must be zero or positive, with at most two decimals");
		}
	}

}
