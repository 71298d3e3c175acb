package io.github.redisstreams.sample.analytics;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.order.OrderValidator;

/**
 * A second consumer of the orders, in a group of its own ({@code order-analytics}): a batch consumer,
 * {@code Consumer<List<Order>>}, bound as {@code updateAnalytics-in-0} with {@code batch-mode: true} in
 * {@code application.yml}. Each call gets the orders of one read (up to {@code read-count}), and adds them to
 * the {@link OrderAnalytics} with one call to Redis; the binder acknowledges the whole batch after it
 * returned.
 * <p>
 * Invalid orders are left out of the counts rather than failing the batch: rejecting them is the job of
 * {@code processOrder}, which dead-letters them.
 */
@Component(AnalyticsUpdater.BEAN_NAME)
public class AnalyticsUpdater implements Consumer<List<Order>> {

	/** The bean name, which Spring Cloud Stream turns into the binding name {@value #BINDING}. */
	public static final String BEAN_NAME = "updateAnalytics";

	/** The input binding of this consumer. */
	public static final String BINDING = BEAN_NAME + "-in-0";

	private static final Logger logger = LoggerFactory.getLogger(AnalyticsUpdater.class);

	private final OrderValidator validator;

	private final OrderAnalytics analytics;

	public AnalyticsUpdater(OrderValidator validator, OrderAnalytics analytics) {
		this.validator = validator;
		this.analytics = analytics;
	}

	@Override
	public void accept(List<Order> orders) {
		List<Order> valid = orders.stream().filter(Objects::nonNull).filter(this.validator::isValid).toList();
		OrderAnalytics.Recorded recorded = this.analytics.record(orders.size(), valid);
		logger.info("Analytics: a batch of {} order(s), {} counted, {} counted before, {} invalid left out",
				orders.size(), recorded.counted(), recorded.duplicates(), orders.size() - valid.size());
	}

}
