package io.github.redisstreams.sample.generator;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.github.redisstreams.sample.SampleProperties;
import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.order.OrderPublisher;

/**
 * Publishes valid demo orders at {@code sample.generator.rate} orders per second, so that there is
 * something to watch; off unless the rate is set above 0.
 */
@Component
@ConditionalOnExpression("${sample.generator.rate:0} > 0")
public class OrderGenerator implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(OrderGenerator.class);

	private static final String[] CUSTOMERS = { "alice", "bob", "carol", "dave" };

	private static final String[] SKUS = { "book-1", "mug-2", "pen-3", "lamp-4" };

	private final OrderPublisher publisher;

	private final double rate;

	private ScheduledExecutorService executor;

	public OrderGenerator(OrderPublisher publisher, SampleProperties properties) {
		this.publisher = publisher;
		this.rate = properties.generator().rate();
	}

	@Override
	public synchronized void start() {
		this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "order-generator");
			thread.setDaemon(true);
			return thread;
		});
		long periodMicros = Math.max(1, Math.round(1_000_000 / this.rate));
		this.executor.scheduleAtFixedRate(this::publishOne, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
		logger.info("Generating {} demo order(s) per second", this.rate);
	}

	@Override
	public synchronized void stop() {
		if (this.executor != null) {
			this.executor.shutdownNow();
			this.executor = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.executor != null;
	}

	/**
	 * Starts after the input bindings (phase {@code DEFAULT_PHASE - 3000}) and stops before them.
	 */
	@Override
	public int getPhase() {
		return Integer.MAX_VALUE - 1000;
	}

	private void publishOne() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		Order order = new Order(UUID.randomUUID().toString(), CUSTOMERS[random.nextInt(CUSTOMERS.length)],
				SKUS[random.nextInt(SKUS.length)], 1 + random.nextInt(5), BigDecimal.valueOf(random.nextLong(100, 10_000), 2),
				Instant.now());
		try {
			this.publisher.publish(order);
		}
		catch (RuntimeException ex) {
			// keep generating: a failed send must not cancel the schedule
			logger.warn("Could not publish demo order {}: {}", order.orderId(), ex.getMessage());
		}
	}

}
