package io.github.redisstreams.binder.app;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Spring Boot application with functional beans bound through the Redis binder, end to end.
 */
class FunctionalAppTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	@Test
	void streamBridgeToFunctionToConsumer() {
		String orders = RedisTestSupport.uniqueName("orders");
		String confirmations = RedisTestSupport.uniqueName("confirmations");
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OrderApp.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
					"--spring.cloud.function.definition=confirm;record",
					"--spring.cloud.stream.bindings.confirm-in-0.destination=" + orders,
					"--spring.cloud.stream.bindings.confirm-in-0.group=confirmer",
					"--spring.cloud.stream.bindings.confirm-out-0.destination=" + confirmations,
					"--spring.cloud.stream.bindings.record-in-0.destination=" + confirmations,
					"--spring.cloud.stream.bindings.record-in-0.group=recorder",
					"--spring.cloud.stream.redis.default.consumer.block-timeout=200ms")) {
			StreamBridge bridge = context.getBean(StreamBridge.class);
			bridge.send(orders, new Order("o-1", 2));
			bridge.send(orders, new Order("o-2", 3));
			OrderApp app = context.getBean(OrderApp.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> app.confirmed.size() == 2);
			assertThat(app.confirmed).containsExactlyInAnyOrder("confirmed o-1 x2", "confirmed o-2 x3");
			await().atMost(Duration.ofSeconds(5))
				.until(() -> redis.xpending(orders, "confirmer").getCount() == 0
						&& redis.xpending(confirmations, "recorder").getCount() == 0);
		}
		redis.del(orders, confirmations);
	}

	public record Order(String orderId, int quantity) {
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class OrderApp {

		final List<String> confirmed = new CopyOnWriteArrayList<>();

		@Bean
		Function<Order, String> confirm() {
			return (order) -> "confirmed " + order.orderId() + " x" + order.quantity();
		}

		@Bean
		Consumer<String> record() {
			return this.confirmed::add;
		}

	}

}
