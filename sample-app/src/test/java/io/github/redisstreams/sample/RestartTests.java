package io.github.redisstreams.sample;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.order.OrderLedger;
import io.github.redisstreams.sample.order.OrderPublisher;
import io.github.redisstreams.sample.order.OrderStats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping and starting the application loses no order and counts none twice: orders published
 * before the stop, orders that arrive while it is down, and orders a crashed consumer had read but not
 * acknowledged are all processed once after the restart.
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
