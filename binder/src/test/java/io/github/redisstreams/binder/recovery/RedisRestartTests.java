package io.github.redisstreams.binder.recovery;

import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis that restarts empty (no persistence) loses the stream and the group; the binder reconnects,
 * creates the group again and consumes what is published after the restart.
 */
class RedisRestartTests {

	@Test
	void groupIsCreatedAgainAfterAnEmptyRestartAndNewEntriesAreConsumed() {
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort();
				ConfigurableApplicationContext context = OrderTestApp.startOn(server.url(), "restarting", "ledger",
						"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=200ms")) {
			OrderHandler handler = context.getBean(OrderHandler.class);
			publish(server, new Order("before", 1));
			await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes("before") == 1);

			server.kill();
			server.start();
			// a producer writes right after the restart, before the binder has created the group again
			publish(server, new Order("after-1", 1));
			publish(server, new Order("after-2", 1));

			await().atMost(Duration.ofSeconds(30))
				.until(() -> handler.successes("after-1") == 1 && handler.successes("after-2") == 1);
			assertThat(handler.successes("before")).isEqualTo(1);
		}
	}

	private static void publish(RedisServerProcess server, Order order) {
		RedisClient client = RedisClient.create(server.url());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			connection.sync().xadd("restarting", "payload", order.toJson());
		}
		finally {
			client.shutdown();
		}
	}

}
