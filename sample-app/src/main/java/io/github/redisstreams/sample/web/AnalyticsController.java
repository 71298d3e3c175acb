package io.github.redisstreams.sample.web;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.redisstreams.sample.analytics.AnalyticsReport;
import io.github.redisstreams.sample.analytics.OrderAnalytics;

/**
 * {@code GET /orders/analytics}: the read model the batch consumer {@code updateAnalytics} keeps, with the
 * sizes of the batches it received.
 */
@RestController
public class AnalyticsController {

	private final OrderAnalytics analytics;

	public AnalyticsController(OrderAnalytics analytics) {
		this.analytics = analytics;
	}

	@GetMapping("/orders/analytics")
	public AnalyticsReport analytics() {
		return this.analytics.report();
	}

}
