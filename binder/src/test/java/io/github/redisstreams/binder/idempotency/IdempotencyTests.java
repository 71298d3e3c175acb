package io.github.redisstreams.binder.idempotency;

import java.time.Duration;
import java.util.Map;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Duplicate deliveries of one business key reach the handler once; the processed marker is written only
 * after success, together with the acknowledgement, in the stream's hash slot.
 */
@ExtendWith(RedisExtension.class)
class IdempotencyTests {

	RedisCommands<String, String> redis;

	TestKeys keys;

	String stream;

	ConfigurableApplicationContext context;

	@BeforeEach
	void connect(RedisCommands<String, String> redis, TestKeys keys) {
		this.redis = redis;
		this.keys = keys;
	}

	/**
	 * Stops the application before the extension deletes the stream, its markers and dead letters.
	 */
	@AfterEach
	void stop() {
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void duplicateOrderIdIsProcessedOnceAndBothEntriesAreAcknowledged() {
		start();
		OrderHandler handler = this.context.getBean(OrderHandler.class);
		this.redis.xadd(this.stream, "payload", new Order("o-1", 2).toJson());
		await().atMost(Duration.ofSeconds(10)).until(() -> handler.successes("o-1") == 1);
		// a producer that sends twice, and a duplicate inside one batch
		this.redis.xadd(this.stream, "payload", new Order("o-1", 2).toJson());
		this.redis.xadd(this.stream, "payload", new Order("o-2", 1).toJson());
		this.redis.xadd(this.stream, "payload", new Order("o-2", 1).toJson());

		await().atMost(Duration.ofSeconds(10))
			.until(() -> handler.successes("o-2") == 1 && this.redis.xpending(this.stream, "orders").getCount() == 0);
		assertThat(handler.invocations("o-1")).isEqualTo(1);
		assertThat(handler.invocations("o-2")).isEqualTo(1);
		String marker = "{" + this.stream + "}:orders:processed:o-1";
		assertThat(this.redis.exists(marker)).isOne();
		assertThat(this.redis.pttl(marker)).isBetween(Duration.ofMinutes(9).toMillis(), Duration.ofMinutes(10).toMillis());
	}

	@Test
	void failedDeliveryWritesNoMarkerSoTheRedeliveryIsProcessed() {
		start("--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms");
		OrderHandler handler = this.context.getBean(OrderHandler.class);
		handler.behave((order) -> {
			if (handler.invocations(order.orderId()) == 1) {
				throw new IllegalStateException("first delivery fails");
			}
		});
		this.redis.xadd(this.stream, "payload", new Order("o-3", 1).toJson());

		await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes("o-3") == 1);
		assertThat(handler.invocations("o-3")).isEqualTo(2);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.redis.exists("{" + this.stream + "}:orders:processed:o-3") == 1);
	}

	@Test
	void messageWithoutKeyIsProcessedEveryTime() {
		startWithKey("payload.reference");
		OrderHandler handler = this.context.getBean(OrderHandler.class);
		this.redis.xadd(this.stream, Map.of("payload", new Order("o-5", 1).toJson()));
		this.redis.xadd(this.stream, Map.of("payload", new Order("o-5", 1).toJson()));

		await().atMost(Duration.ofSeconds(10))
			.until(() -> handler.successes("o-5") == 2 && this.redis.xpending(this.stream, "orders").getCount() == 0);
	}

	/**
	 * The attack: a payload of JSON {@code null} made building the key expression's root throw, which aborted
	 * the whole batch, came back after every claim and was never dead-lettered.
	 */
	@Test
	void payloadOfJsonNullNeitherBlocksItsBatchNorComesBackForEver() {
		start("--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=2");
		OrderHandler handler = this.context.getBean(OrderHandler.class);
		this.redis.xadd(this.stream, Map.of("payload", "null", "contentType", "application/json"));
		this.redis.xadd(this.stream, "payload", new Order("o-6", 1).toJson());

		await().atMost(Duration.ofSeconds(20))
			.until(() -> handler.successes("o-6") == 1 && this.redis.xpending(this.stream, "orders").getCount() == 0);
		assertThat(this.redis.xlen("{" + this.stream + "}:orders:dlq") + handler.totalSuccesses()).isEqualTo(2);
	}

	private void start(String... extra) {
		startWithKey("payload.orderId", extra);
	}

	private void startWithKey(String keyExpression, String... extra) {
		this.stream = this.keys.unique("idem");
		String[] args = new String[extra.length + 3];
		args[0] = "--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.idempotency.key-expression="
				+ keyExpression;
		args[1] = "--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.idempotency.ttl=10m";
		args[2] = "--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1";
		System.arraycopy(extra, 0, args, 3, extra.length);
		this.context = OrderTestApp.start(this.stream, "orders", args);
	}

}
