package io.github.redisstreams.binder.metrics;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.RequiredSearch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder's Micrometer meters report what a test made the binding do.
 */
class BindingMetricsTests {

	private static final String BINDING = "handle-in-0";

	private static final String GROUP = "metrics";

	static RedisClient client;

	static StatefulRedisConnection<String, String> redis;

	@BeforeAll
	static void connect() {
		client = RedisTestSupport.client();
		redis = client.connect();
	}

	@AfterAll
	static void disconnect() {
		redis.close();
		client.shutdown();
	}

	/**
	 * Publishes 100 entries; the handler succeeds on 55 of the first 60, fails on 5 (one in-process
	 * retry each, then dead-lettered), and is still busy with the 61st when the meters are read.
	 */
	@Test
	void countersAndGaugesMatchWhatTheBindingDid() {
		String stream = RedisTestSupport.uniqueName("metrics");
		String deadLetters = StreamKeys.deadLetterStream(stream, GROUP);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(GatedApp.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.url=" + RedisTestSupport.redisUrl(), "--spring.cloud.function.definition=handle",
					"--spring.cloud.stream.bindings." + BINDING + ".destination=" + stream,
					"--spring.cloud.stream.bindings." + BINDING + ".group=" + GROUP,
					"--spring.cloud.stream.bindings." + BINDING + ".consumer.max-attempts=2",
					"--spring.cloud.stream.bindings." + BINDING + ".consumer.back-off-initial-interval=1",
					"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.read-count=1",
					"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.max-deliveries=1",
					"--spring.cloud.stream.redis.default.consumer.block-timeout=200ms",
					"--spring.cloud.stream.redis.binder.metrics.refresh-interval=200ms");
		GatedApp app = context.getBean(GatedApp.class);
		try {
			StreamBridge bridge = context.getBean(StreamBridge.class);
			for (int i = 0; i < 100; i++) {
				bridge.send(stream, (i % 12 == 0 && i < 60) ? "fail-" + i : "ok-" + i);
			}
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				assertThat(app.gateReached.getCount()).isZero();
				assertThat(count(meters, "acked")).isEqualTo(55);
				assertThat(gauge(meters, "lag")).isEqualTo(39);
				assertThat(gauge(meters, "pending")).isEqualTo(1);
				assertThat(gauge(meters, "dlq.length")).isEqualTo(5);
				assertThat(gauge(meters, "stream.length")).isEqualTo(100);
			});
			assertThat(count(meters, "received")).isEqualTo(61);
			assertThat(count(meters, "failed")).isEqualTo(5);
			assertThat(count(meters, "retried")).isEqualTo(5);
			assertThat(count(meters, "dead.lettered")).isEqualTo(5);
			assertThat(count(meters, "dropped")).isZero();
			assertThat(count(meters, "reclaimed")).isZero();
			assertThat(count(meters, "lost.to.trimming")).isZero();
			assertThat(consumerMeter(meters, "handler.duration").timer().count()).isEqualTo(60);
			assertThat(consumerMeter(meters, "end.to.end.latency").timer().count()).isEqualTo(55);
			assertThat(gauge(meters, "pending.max.deliveries")).isEqualTo(1);
			assertThat(consumerMeter(meters, "pending.oldest.age").timeGauge().value(TimeUnit.MILLISECONDS))
				.isGreaterThanOrEqualTo(0);
			assertThat(meters.get("spring.cloud.stream.binder.redis.sent").tag("binding", stream).counter().count())
				.isEqualTo(100);
			assertThat(meters.get("spring.cloud.stream.binder.redis.send.failed").tag("binding", stream).counter().count())
				.isZero();
			assertThat(redis.sync().xlen(deadLetters)).isEqualTo(5);
		}
		finally {
			app.gate.countDown();
			context.close();
			redis.sync().del(stream, deadLetters);
		}
	}

	private static RequiredSearch consumerMeter(MeterRegistry meters, String name) {
		return meters.get("spring.cloud.stream.binder.redis." + name).tag("binding", BINDING).tag("group", GROUP);
	}

	private static double count(MeterRegistry meters, String name) {
		return consumerMeter(meters, name).counter().count();
	}

	private static double gauge(MeterRegistry meters, String name) {
		return consumerMeter(meters, name).gauge().value();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class GatedApp {

		final CountDownLatch gate = new CountDownLatch(1);

		final CountDownLatch gateReached = new CountDownLatch(1);

		final AtomicInteger handled = new AtomicInteger();

		@Bean
		Consumer<String> handle() {
			return (payload) -> {
				int index = Integer.parseInt(payload.substring(payload.indexOf('-') + 1));
				if (index >= 60) {
					// the 61st entry keeps the only consumer busy: it stays pending, the rest unread
					this.gateReached.countDown();
					await(this.gate);
				}
				if (payload.startsWith("fail")) {
					throw new IllegalStateException("Cannot handle " + payload);
				}
				this.handled.incrementAndGet();
			};
		}

		private static void await(CountDownLatch latch) {
			try {
				latch.await(60, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
