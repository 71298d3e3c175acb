package io.github.redisstreams.binder.conformance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.Message;

import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Conformance of whole applications: functional beans bound by Spring Cloud Stream itself, reading
 * entries written by other producers, and stopping cleanly when the application closes.
 */
class FunctionalAppConformanceTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final String KEY_MARKER = RedisTestSupport.uniqueName("conformance-app");

	private static StreamInspector redis;

	@BeforeAll
	static void connect() {
		redis = StreamInspector.connect();
	}

	@AfterAll
	static void cleanUp() {
		redis.deleteKeysContaining(KEY_MARKER);
		redis.close();
	}

	@Test
	void entryOfAForeignProducerIsConsumedAsAJsonPojo() {
		String orders = RedisTestSupport.uniqueName(KEY_MARKER + "-orders");
		try (ConfigurableApplicationContext context = run(OrderApp.class, "--spring.cloud.function.definition=order",
				"--spring.cloud.stream.bindings.order-in-0.destination=" + orders,
				"--spring.cloud.stream.bindings.order-in-0.group=order-service")) {
			// what redis-cli XADD orders * payload '{"orderId":"1"}' writes: no other field at all
			String id = redis.add(orders, Map.of("payload", "{\"orderId\":\"1\"}"));

			OrderApp app = context.getBean(OrderApp.class);
			await().atMost(TIMEOUT).until(() -> !app.orders.isEmpty());
			assertThat(app.orders).containsExactly(new Order("1"));
			await().atMost(TIMEOUT).until(() -> redis.pending(orders, "order-service").isEmpty());
			assertThat(redis.groups(orders).get("order-service")).containsEntry("last-delivered-id", id);
		}
	}

	@Test
	void closingTheApplicationAcknowledgesFinishedWorkAndTheNextRunProcessesOnlyTheRest() {
		String jobs = RedisTestSupport.uniqueName(KEY_MARKER + "-jobs");
		List<String> sent = IntStream.range(0, 30).mapToObj((i) -> "job-" + i).toList();
		for (String job : sent) {
			redis.add(jobs, Map.of("payload", job));
		}
		String[] args = { "--spring.cloud.function.definition=work",
				"--spring.cloud.stream.bindings.work-in-0.destination=" + jobs,
				"--spring.cloud.stream.bindings.work-in-0.group=workers",
				"--spring.cloud.stream.bindings.work-in-0.content-type=text/plain",
				"--spring.cloud.stream.redis.bindings.work-in-0.consumer.read-count=5",
				// whatever the first run left pending is taken over quickly by the second
				"--spring.cloud.stream.redis.bindings.work-in-0.consumer.claim-idle-time=500ms",
				"--spring.cloud.stream.redis.bindings.work-in-0.consumer.claim-interval=200ms" };
		WorkLog.reset(8);

		ConfigurableApplicationContext first = run(WorkApp.class, args);
		RedisStreamBindingRegistry registry = first.getBean(RedisStreamBindingRegistry.class);
		await().atMost(TIMEOUT).until(() -> WorkLog.blocked.getCount() == 0);
		CompletableFuture<Void> closing = CompletableFuture.runAsync(first::close);
		// the binding leaves the registry as soon as it starts stopping
		await().atMost(TIMEOUT).until(() -> registry.consumers().isEmpty());
		WorkLog.release.countDown();
		await().atMost(Duration.ofSeconds(40)).until(closing::isDone);

		assertThat(closing).isCompleted();
		assertThat(WorkLog.processed).hasSizeGreaterThanOrEqualTo(8).hasSizeLessThan(30);
		assertThat(redis.pendingIds(jobs, "workers")).doesNotContainAnyElementsOf(WorkLog.completed.keySet());

		try (ConfigurableApplicationContext second = run(WorkApp.class, args)) {
			await().atMost(TIMEOUT).until(() -> WorkLog.processed.size() >= 30);
			await().atMost(TIMEOUT).until(() -> redis.pending(jobs, "workers").isEmpty());
			assertThat(WorkLog.processed).containsExactlyInAnyOrderElementsOf(sent);
		}
	}

	private static ConfigurableApplicationContext run(Class<?> application, String... args) {
		List<String> arguments = new ArrayList<>(List.of(args));
		arguments.add("--spring.data.redis.url=" + RedisTestSupport.redisUrl());
		return new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
			.properties("spring.cloud.stream.redis.default.consumer.block-timeout=150ms", "spring.main.banner-mode=off")
			.run(arguments.toArray(String[]::new));
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	public record Order(String orderId) {
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class OrderApp {

		final List<Order> orders = new CopyOnWriteArrayList<>();

		@Bean
		Consumer<Order> order() {
			return this.orders::add;
		}

	}

	/**
	 * What the work handler did, across the runs of the application; one test uses it at a time.
	 */
	static final class WorkLog {

		static final List<String> processed = Collections.synchronizedList(new ArrayList<>());

		static final Map<String, String> completed = new ConcurrentHashMap<>();

		static final AtomicInteger invocations = new AtomicInteger();

		static volatile int blockOnInvocation;

		static volatile CountDownLatch blocked;

		static volatile CountDownLatch release;

		static void reset(int blockOn) {
			processed.clear();
			completed.clear();
			invocations.set(0);
			blockOnInvocation = blockOn;
			blocked = new CountDownLatch(1);
			release = new CountDownLatch(1);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class WorkApp {

		@Bean
		Consumer<Message<String>> work() {
			return (message) -> {
				if (WorkLog.invocations.incrementAndGet() == WorkLog.blockOnInvocation) {
					// in the middle of the second batch: still working when the application closes
					WorkLog.blocked.countDown();
					awaitQuietly(WorkLog.release);
				}
				WorkLog.processed.add(message.getPayload());
				WorkLog.completed.put((String) message.getHeaders().get(RedisStreamHeaders.ENTRY_ID), message.getPayload());
			};
		}

	}

}
