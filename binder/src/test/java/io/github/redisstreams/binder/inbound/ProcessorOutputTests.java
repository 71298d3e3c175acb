package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A processor ({@code Function}) whose output Redis refuses. The attack: with asynchronous writes (the
 * default, {@code sync: false}) the handler returns before the output's {@code XADD} is answered, and the
 * input would be acknowledged although its output was never stored: the message is gone from both streams.
 * Required: an input is acknowledged only after every output written while handling it was confirmed; a
 * refused output is a failed delivery, delivered again later.
 */
class ProcessorOutputTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	@Test
	void inputIsNotAcknowledgedWhileItsOutputIsRefused() {
		String in = RedisTestSupport.uniqueName("raw");
		String out = RedisTestSupport.uniqueName("enriched");
		String group = "enricher";
		// the output key holds a string: every XADD to it fails with WRONGTYPE
		redis.set(out, "not a stream");
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Enricher.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.url=" + RedisTestSupport.redisUrl(), "--spring.cloud.function.definition=enrich",
					"--spring.cloud.stream.bindings.enrich-in-0.destination=" + in,
					"--spring.cloud.stream.bindings.enrich-in-0.group=" + group,
					"--spring.cloud.stream.bindings.enrich-out-0.destination=" + out,
					"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
					"--spring.cloud.stream.redis.default.consumer.claim-idle-time=500ms",
					"--spring.cloud.stream.redis.default.consumer.claim-interval=100ms",
					"--spring.cloud.stream.redis.default.consumer.max-deliveries=100")) {
			Enricher enricher = context.getBean(Enricher.class);
			for (int i = 0; i < 5; i++) {
				redis.xadd(in, "payload", "\"item-" + i + "\"");
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> enricher.calls.get() >= 5);
			// every input ran its handler, none may be acknowledged while its output is refused
			await().during(Duration.ofSeconds(1))
				.atMost(Duration.ofSeconds(10))
				.until(() -> redis.xpending(in, group).getCount() == 5);
			assertThat(redis.xlen(in)).isEqualTo(5);

			// once the output can be written, each input is delivered again and acknowledged after its output
			redis.del(out);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> redis.xpending(in, group).getCount() == 0 && redis.exists(out) == 1
						&& redis.xlen(out) >= 5);
			assertThat(redis.xrange(out, io.lettuce.core.Range.create("-", "+")))
				.extracting((entry) -> entry.getBody().get("payload"))
				.contains("ITEM-0", "ITEM-1", "ITEM-2", "ITEM-3", "ITEM-4");
			assertThat(redis.exists("{" + in + "}:" + group + ":dlq")).isZero();
		}
		redis.del(in, out);
	}

	/**
	 * The same attack through the error path: the handler fails, and the application's error handler parks the
	 * message in another stream, which Redis refuses. Taken by the error handler, the input would be
	 * acknowledged although the parked copy was never stored.
	 */
	@Test
	void inputTakenByAnErrorHandlerIsNotAcknowledgedWhileItsParkedCopyIsRefused() {
		String in = RedisTestSupport.uniqueName("payments");
		String parking = RedisTestSupport.uniqueName("parking");
		String group = "payer";
		redis.set(parking, "not a stream");
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Parker.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.url=" + RedisTestSupport.redisUrl(), "--spring.cloud.function.definition=pay",
					"--spring.cloud.stream.bindings.pay-in-0.destination=" + in,
					"--spring.cloud.stream.bindings.pay-in-0.group=" + group,
					"--spring.cloud.stream.bindings.pay-in-0.error-handler-definition=park",
					"--spring.cloud.stream.bindings.pay-in-0.consumer.max-attempts=1",
					"--parking=" + parking,
					"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
					"--spring.cloud.stream.redis.default.consumer.claim-idle-time=500ms",
					"--spring.cloud.stream.redis.default.consumer.claim-interval=100ms",
					"--spring.cloud.stream.redis.default.consumer.max-deliveries=100")) {
			Parker parker = context.getBean(Parker.class);
			redis.xadd(in, "payload", "\"payment-1\"");
			await().atMost(Duration.ofSeconds(20)).until(() -> parker.parked.get() >= 1);
			await().during(Duration.ofSeconds(1))
				.atMost(Duration.ofSeconds(10))
				.until(() -> redis.xpending(in, group).getCount() == 1);

			redis.del(parking);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> redis.xpending(in, group).getCount() == 0 && redis.exists(parking) == 1);
			assertThat(redis.xlen(parking)).isPositive();
		}
		redis.del(in, parking);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Parker {

		final AtomicInteger parked = new AtomicInteger();

		@Bean
		java.util.function.Consumer<String> pay() {
			return (payment) -> {
				throw new IllegalStateException("the payment service is down");
			};
		}

		@Bean
		java.util.function.Consumer<org.springframework.messaging.support.ErrorMessage> park(
				org.springframework.cloud.stream.function.StreamBridge bridge,
				@org.springframework.beans.factory.annotation.Value("${parking}") String parking) {
			return (error) -> {
				this.parked.incrementAndGet();
				org.springframework.messaging.Message<?> failed = ((org.springframework.messaging.MessagingException) error
					.getPayload()).getFailedMessage();
				bridge.send(parking, failed.getPayload());
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Enricher {

		final AtomicInteger calls = new AtomicInteger();

		@Bean
		Function<String, String> enrich() {
			return (item) -> {
				this.calls.incrementAndGet();
				return item.toUpperCase();
			};
		}

	}

}
