package io.github.redisstreams.binder.actuate;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cloud.stream.config.BindersHealthIndicatorAutoConfiguration.BindersHealthContributor;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder's health, as Spring Cloud Stream's {@code binders} health group reports it, follows a
 * Redis server that goes away and comes back, and stays UP for a busy stream.
 */
class BinderHealthTests {

	private static final String BINDING = "handle-in-0";

	@Test
	void downWhileRedisIsStoppedAndUpAgainAfterRestart() throws InterruptedException {
		String stream = RedisTestSupport.uniqueName("health");
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort();
				ConfigurableApplicationContext context = new SpringApplicationBuilder(BusyApp.class)
					.web(WebApplicationType.NONE)
					.run("--spring.data.redis.url=" + server.url(), "--spring.data.redis.timeout=2s",
							"--spring.cloud.function.definition=handle",
							"--spring.cloud.stream.bindings." + BINDING + ".destination=" + stream,
							"--spring.cloud.stream.bindings." + BINDING + ".group=health",
							"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.read-count=1",
							"--spring.cloud.stream.redis.default.consumer.block-timeout=200ms",
							"--spring.cloud.stream.redis.binder.health-timeout=2s")) {
			HealthIndicator health = (HealthIndicator) context.getBean(BindersHealthContributor.class)
				.getContributor("redis");
			BusyApp app = context.getBean(BusyApp.class);
			RedisClient client = RedisClient.create(server.url());
			try (StatefulRedisConnection<String, String> redis = client.connect()) {
				for (int i = 0; i < 20; i++) {
					redis.sync().xadd(stream, Map.of("payload", "\"entry-" + i + "\""));
				}
			}
			finally {
				client.shutdown();
			}

			// the handler holds the first entry: a busy stream with lag and a pending entry is healthy
			assertThat(app.busy.await(20, TimeUnit.SECONDS)).isTrue();
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				Health current = health.health();
				assertThat(current.getStatus()).isEqualTo(Status.UP);
				assertThat(bindingDetails(current)).containsEntry("stream", stream)
					.containsEntry("group", "health")
					.containsEntry("liveConsumers", 1)
					.containsEntry("lag", 19L)
					.containsEntry("pending", 1L);
			});
			app.release.countDown();

			server.kill();
			await().atMost(Duration.ofSeconds(15))
				.untilAsserted(() -> assertThat(health.health().getStatus()).isEqualTo(Status.DOWN));

			server.start();
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				Health current = health.health();
				assertThat(current.getStatus()).isEqualTo(Status.UP);
				// Redis came back empty: the consumers created the group again
				assertThat(bindingDetails(current)).containsEntry("group", "health").containsEntry("pending", 0L);
			});
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> bindingDetails(Health health) {
		Map<String, Object> bindings = (Map<String, Object>) health.getDetails().get("bindings");
		assertThat(bindings).containsKey(BINDING);
		return (Map<String, Object>) bindings.get(BINDING);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class BusyApp {

		final CountDownLatch busy = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		@Bean
		Consumer<String> handle() {
			return (payload) -> {
				this.busy.countDown();
				try {
					this.release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			};
		}

	}

}
