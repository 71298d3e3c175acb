package io.github.redisstreams.sample.order;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

import io.github.redisstreams.sample.SampleProperties;

/**
 * The order handler: a plain {@code Consumer<Order>} that knows nothing of the broker. Spring Cloud
 * Stream binds it as {@code processOrder-in-0}; {@code application.yml} decides the destination, the
 * group, the binder, retries and dead-lettering.
 * <p>
 * Throwing fails the delivery: the binder retries it and finally dead-letters it. Returning normally
 * acknowledges it.
 */
@Component(OrderProcessor.BEAN_NAME)
public class OrderProcessor implements Consumer<Order> {

	/** The bean name, which Spring Cloud Stream turns into the binding name {@value #BINDING}. */
	public static final String BEAN_NAME = "processOrder";

	/** The input binding of this consumer. */
	public static final String BINDING = BEAN_NAME + "-in-0";

	private static final Logger logger = LoggerFactory.getLogger(OrderProcessor.class);

	private final OrderValidator validator;

	private final OrderLedger ledger;

	private final Duration processingTime;

	private final Set<String> unavailableSkus;

	public OrderProcessor(OrderValidator validator, OrderLedger ledger, SampleProperties properties) {
		this.validator = validator;
		this.ledger = ledger;
		this.processingTime = properties.processingTime();
		this.unavailableSkus = properties.unavailableSkus();
	}

	@Override
	public void accept(Order order) {
		this.validator.check(order);
		if (order.sku() != null && this.unavailableSkus.contains(order.sku())) {
			throw new SkuUnavailableException("SKU " + order.sku() + " of order " + order.orderId()
					+ " is unavailable (sample.unavailable-skus)");
		}
		work();
		if (this.ledger.record(order)) {
			logger.info("Processed order {} of customer {}: {} x {} for {}", order.orderId(), order.customerId(),
					order.quantity(), order.sku(), order.amount());
		}
		else {
			logger.info("Order {} was processed before; this delivery changes nothing", order.orderId());
		}
	}

	/**
	 * Stands for the work a real service does per order (calls to other services, ...): with
	 * {@code sample.processing-time} set, orders queue up and stay pending long enough to be seen.
	 */
	private void work() {
		if (this.processingTime.isZero()) {
			return;
		}
		try {
			Thread.sleep(this.processingTime.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while processing", ex);
		}
	}

}
