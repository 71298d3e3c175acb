package io.github.redisstreams.sample;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.redisstreams.sample.analytics.AnalyticsReport;
import io.github.redisstreams.sample.analytics.OrderAnalytics;
import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.order.OrderLedger;
import io.github.redisstreams.sample.order.OrderPublisher;
import io.github.redisstreams.sample.order.OrderStats;
import io.github.redisstreams.sample.storage.KeySnapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping and starting the application loses no order and counts none twice: orders published
 * before the stop, orders that arrive while it is down, and orders a crashed consumer had read but not
 * acknowledged are all processed once after the restart, and counted once by the analytics, whose crashed
 * consumer had even counted its batch already.
 */
class RestartTests {

	static final int BEFORE_STOP = 100;

	static final int WHILE_DOWN = 50;

	final SampleSetup setup = new SampleSetup();

	/** A stable identity, as a restarted instance should have, so that it resumes its own pending entries. */
	final String instanceId = TestRedis.uniqueName("restart");

	RedisClient client;

	StatefulRedisConnection<String, String> connection;

	RedisCommands<String, String> redis;

	@BeforeEach
	void connect() {
		this.client = TestRedis.client();
		this.connection = this.client.connect();
		this.redis = this.connection.sync();
	}

	@AfterEach
	void cleanUp() {
		TestRedis.delete(this.redis, this.setup.keys());
		this.connection.close();
		this.client.shutdown();
	}

	@Test
	void restartLosesNothingAndCountsNothingTwice() {
		String customer = "restart-customer";
		try (ConfigurableApplicationContext first = start()) {
			OrderPublisher publisher = first.getBean(OrderPublisher.class);
			for (int i = 0; i < BEFORE_STOP; i++) {
				publisher.publish(new Order("r-" + i, customer, "book-1", 1, new BigDecimal("1.00"), Instant.now()));
			}
		}
		for (int i = BEFORE_STOP; i < BEFORE_STOP + WHILE_DOWN; i++) {
			this.redis.xadd(this.setup.destination, "payload", OrderJson.of("r-" + i, customer, 1, "1.00"));
		}
		List<StreamMessage<String, String>> readBeforeCrash = this.redis.xreadgroup(
				Consumer.from(SampleSetup.GROUP, this.instanceId + "-0"), XReadArgs.Builder.count(10),
				XReadArgs.StreamOffset.lastConsumed(this.setup.destination));
		assertThat(readBeforeCrash).as("entries a crashed consumer left pending").hasSize(10);
		List<StreamMessage<String, String>> countedBeforeCrash = this.redis.xreadgroup(
				Consumer.from(SampleSetup.ANALYTICS_GROUP, this.instanceId + "-0"), XReadArgs.Builder.count(10),
				XReadArgs.StreamOffset.lastConsumed(this.setup.destination));
		assertThat(countedBeforeCrash).as("a batch the crashed analytics consumer counted, not acknowledged")
			.hasSize(10);
		countBeforeCrash(countedBeforeCrash);

		try (ConfigurableApplicationContext second = start()) {
			OrderLedger ledger = second.getBean(OrderLedger.class);
			int total = BEFORE_STOP + WHILE_DOWN;
			await().atMost(Duration.ofSeconds(30)).until(() -> customerOrders(ledger, customer) == total);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.redis.xpending(this.setup.destination, SampleSetup.GROUP).getCount() == 0);
			OrderStats.CustomerTotals totals = ledger.stats().customers().get(customer);
			assertThat(totals.orders()).isEqualTo(total);
			assertThat(totals.amount()).isEqualByComparingTo(BigDecimal.valueOf(total));
			assertThat(this.redis.exists(this.setup.deadLetterStream())).isZero();

			OrderAnalytics analytics = second.getBean(OrderAnalytics.class);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.redis.xpending(this.setup.destination, SampleSetup.ANALYTICS_GROUP).getCount() == 0
						&& analytics.report().orders() == total);
			AnalyticsReport report = analytics.report();
			assertThat(report.orders()).isEqualTo(total);
			assertThat(report.ordersPerSku()).containsExactlyEntriesOf(Map.of("book-1", (long) total));
			assertThat(report.duplicates()).as("the batch counted before the crash, delivered again")
				.isGreaterThanOrEqualTo(countedBeforeCrash.size());
			assertThat(this.redis.exists(this.setup.analyticsDeadLetterStream())).isZero();
		}
	}

	/**
	 * What the crashed analytics consumer did with its batch before it died: counted it, with its own
	 * connection to Redis (the application is down).
	 */
	private void countBeforeCrash(List<StreamMessage<String, String>> entries) {
		JsonMapper json = JsonMapper.builder().build();
		List<Order> orders = entries.stream()
			.map((entry) -> json.readValue(entry.getBody().get("payload"), Order.class))
			.toList();
		LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(TestRedis.url()));
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		try {
			StringRedisTemplate redis = new StringRedisTemplate(connectionFactory);
			OrderAnalytics analytics = new OrderAnalytics(redis, new KeySnapshot(redis),
					new SampleProperties(this.setup.keySpace, null, null, null, null));
			assertThat(analytics.record(orders.size(), orders).counted()).isEqualTo(orders.size());
		}
		finally {
			connectionFactory.destroy();
		}
	}

	private ConfigurableApplicationContext start() {
		return new SpringApplicationBuilder(SampleApplication.class)
			.run(this.setup.args("--spring.cloud.stream.redis.binder.instance-id=" + this.instanceId));
	}

	private static long customerOrders(OrderLedger ledger, String customer) {
		OrderStats.CustomerTotals totals = ledger.stats().customers().get(customer);
		return (totals != null) ? totals.orders() : 0;
	}

}
