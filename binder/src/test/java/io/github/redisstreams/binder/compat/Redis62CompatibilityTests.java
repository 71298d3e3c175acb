package io.github.redisstreams.binder.compat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.config.BindersHealthIndicatorAutoConfiguration.BindersHealthContributor;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.support.MessageBuilder;

import io.github.redisstreams.binder.recovery.DeadLetterFields;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisBinaries;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder on Redis 6.2, the oldest supported server: always against the Redis 6.2 {@code redis-server} of
 * the embedded-redis test dependency, on a free port, whatever Redis the other tests use. Redis 6.2 has no
 * lag in {@code XINFO GROUPS} (the binder counts it) and none of the 7.0 additions to the stream commands;
 * each test checks one guarantee that depends on the commands the binder sends.
 */
@ExtendWith(OutputCaptureExtension.class)
class Redis62CompatibilityTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final String BINDING = "handleOrder-in-0";

	private static RedisServerProcess server;

	private static RedisClient client;

	private static StatefulRedisConnection<String, String> connection;

	private static RedisCommands<String, String> redis;

	@BeforeAll
	static void startRedis62() {
		server = RedisServerProcess.startOnFreePort(RedisBinaries.embeddedRedisServer());
		client = RedisClient.create(server.url());
		connection = client.connect();
		redis = connection.sync();
		assertThat(redis.info("server")).as("the embedded server").contains("redis_version:6.2.");
	}

	@AfterAll
	static void stopRedis() {
		if (connection != null) {
			connection.close();
			client.shutdown();
		}
		if (server != null) {
			server.close();
		}
	}

	@Test
	void ordersSentThroughTheBinderAreConsumedAndAcknowledged(CapturedOutput output) {
		String stream = RedisTestSupport.uniqueName("compat-flow");
		try (ConfigurableApplicationContext app = start(ProducingOrderApp.class, stream, "billing",
				"--spring.cloud.stream.output-bindings=orders",
				"--spring.cloud.stream.bindings.orders.destination=" + stream)) {
			StreamBridge bridge = app.getBean(StreamBridge.class);
			for (int i = 0; i < 20; i++) {
				bridge.send("orders", MessageBuilder.withPayload(new Order("o-" + i, 1)).build());
			}
			OrderHandler handler = app.getBean(OrderHandler.class);
			await().atMost(TIMEOUT)
				.until(() -> handler.totalSuccesses() == 20 && redis.xpending(stream, "billing").getCount() == 0);
			assertThat(handler.successesById().values()).allMatch((count) -> count.get() == 1);
			// the startup check read the version and accepted it
			assertThat(output.getOut()).contains("Redis server 6.2.", "the binder counts it");
		}
	}

	@Test
	void entriesOfADeadConsumerAreClaimedAndProcessed() {
		String stream = RedisTestSupport.uniqueName("compat-claim");
		String group = "shipping";
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
		for (int i = 0; i < 3; i++) {
			redis.xadd(stream, "payload", new Order("left-" + i, 1).toJson());
		}
		// a consumer of another instance fetched them and died before acknowledging
		redis.xreadgroup(Consumer.from(group, "dead-instance-0"), XReadArgs.Builder.count(10),
				XReadArgs.StreamOffset.lastConsumed(stream));
		assertThat(redis.xpending(stream, group).getCount()).isEqualTo(3);

		try (ConfigurableApplicationContext app = start(OrderTestApp.class, stream, group,
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.claim-interval=100ms")) {
			OrderHandler handler = app.getBean(OrderHandler.class);
			await().atMost(TIMEOUT)
				.until(() -> handler.totalSuccesses() == 3 && redis.xpending(stream, group).getCount() == 0);
			assertThat(List.of("left-0", "left-1", "left-2")).allMatch((id) -> handler.successes(id) == 1);
		}
	}

	@Test
	void anEntryThatAlwaysFailsIsDeadLetteredAfterMaxDeliveries() {
		String stream = RedisTestSupport.uniqueName("compat-dlq");
		String group = "payments";
		String dlq = RedisStreamDeadLetterOperations.deadLetterStream(stream, group);
		try (ConfigurableApplicationContext app = start(OrderTestApp.class, stream, group,
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.max-deliveries=3",
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.claim-interval=100ms")) {
			OrderHandler handler = app.getBean(OrderHandler.class);
			handler.behave((order) -> {
				if (order.orderId().equals("poison")) {
					throw new IllegalStateException("cannot process " + order.orderId());
				}
			});
			redis.xadd(stream, "payload", new Order("poison", 1).toJson());
			redis.xadd(stream, "payload", new Order("fine", 1).toJson());

			await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen(dlq) == 1);
			assertThat(handler.invocations("poison")).isEqualTo(3);
			assertThat(handler.successes("fine")).isEqualTo(1);
			Map<String, String> deadLetter = redis.xrange(dlq, Range.create("-", "+")).get(0).getBody();
			assertThat(deadLetter).containsEntry(DeadLetterFields.DELIVERY_COUNT, "3")
				.containsEntry(DeadLetterFields.EXCEPTION_MESSAGE, "cannot process poison");
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, group).getCount() == 0);
		}
	}

	@Test
	void safeRetentionNeverTrimsWhatALaggingGroupStillNeeds() {
		String stream = RedisTestSupport.uniqueName("compat-retention");
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "slow", XGroupCreateArgs.Builder.mkstream());
		try (ConfigurableApplicationContext producer = new SpringApplicationBuilder(ProducerApp.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.url=" + server.url(), "--spring.cloud.function.definition=",
					"--spring.cloud.stream.output-bindings=out", "--spring.cloud.stream.bindings.out.destination=" + stream,
					"--spring.cloud.stream.redis.bindings.out.producer.max-len=10",
					"--spring.cloud.stream.redis.bindings.out.producer.trim-interval=100ms")) {
			StreamBridge bridge = producer.getBean(StreamBridge.class);
			for (int i = 0; i < 100; i++) {
				bridge.send("out", "m-" + i);
			}
			await().atMost(TIMEOUT).until(() -> redis.xlen(stream) == 100);
			// the group reads 60 and acknowledges 50: from the 51st on, entries are still needed
			List<StreamMessage<String, String>> read = redis.xreadgroup(Consumer.from("slow", "c"),
					XReadArgs.Builder.count(60), XReadArgs.StreamOffset.lastConsumed(stream));
			redis.xack(stream, "slow", read.subList(0, 50).stream().map(StreamMessage::getId).toArray(String[]::new));
			String oldestNeeded = read.get(50).getId();

			await().atMost(TIMEOUT).until(() -> redis.xlen(stream) == 50);
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> redis.xlen(stream) == 50);
			assertThat(redis.xrange(stream, Range.create("-", "+"), io.lettuce.core.Limit.from(1)).get(0).getId())
				.isEqualTo(oldestNeeded);

			// once everything is acknowledged, the stream comes down to max-len
			List<StreamMessage<String, String>> rest = redis.xreadgroup(Consumer.from("slow", "c"),
					XReadArgs.Builder.count(100), XReadArgs.StreamOffset.lastConsumed(stream));
			redis.xack(stream, "slow", read.subList(50, 60).stream().map(StreamMessage::getId).toArray(String[]::new));
			redis.xack(stream, "slow", rest.stream().map(StreamMessage::getId).toArray(String[]::new));
			await().atMost(TIMEOUT).until(() -> redis.xlen(stream) == 10);
		}
	}

	@Test
	void lagAndPendingAreReportedByTheGaugesAndTheHealthIndicator() throws InterruptedException {
		String stream = RedisTestSupport.uniqueName("compat-metrics");
		String group = "reporting";
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch firstTaken = new CountDownLatch(1);
		try (ConfigurableApplicationContext app = start(OrderTestApp.class, stream, group,
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.read-count=1",
				"--spring.cloud.stream.redis.binder.metrics.refresh-interval=200ms")) {
			OrderHandler handler = app.getBean(OrderHandler.class);
			handler.behave((order) -> {
				firstTaken.countDown();
				try {
					// holds the first entry in the handler so that the rest stays unread
					release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			for (int i = 0; i < 10; i++) {
				redis.xadd(stream, "payload", new Order("m-" + i, 1).toJson());
			}
			assertThat(firstTaken.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			// Redis 6.2 reports no lag: what follows is counted by the binder
			assertThat(redis.xinfoGroups(stream).toString()).doesNotContain("lag");

			MeterRegistry meters = app.getBean(MeterRegistry.class);
			HealthIndicator health = (HealthIndicator) app.getBean(BindersHealthContributor.class)
				.getContributor("redis");
			await().atMost(TIMEOUT).untilAsserted(() -> {
				assertThat(gauge(meters, "lag", group)).isEqualTo(9);
				assertThat(gauge(meters, "pending", group)).isEqualTo(1);
				Health current = health.health();
				assertThat(current.getStatus().getCode()).as(current.toString()).isEqualTo("UP");
				assertThat(current.getDetails().toString()).contains("lag=9", "pending=1");
			});
			release.countDown();
			await().atMost(TIMEOUT).untilAsserted(() -> {
				assertThat(gauge(meters, "lag", group)).isZero();
				assertThat(gauge(meters, "pending", group)).isZero();
			});
		}
		finally {
			release.countDown();
		}
	}

	private static double gauge(MeterRegistry meters, String name, String group) {
		return meters.get("spring.cloud.stream.binder.redis." + name)
			.tag("binding", BINDING)
			.tag("group", group)
			.gauge()
			.value();
	}

	private static ConfigurableApplicationContext start(Class<?> application, String stream, String group,
			String... extraArgs) {
		if (application == OrderTestApp.class) {
			return OrderTestApp.startOn(server.url(), stream, group, extraArgs);
		}
		String[] args = new String[extraArgs.length + 7];
		args[0] = "--spring.data.redis.url=" + server.url();
		args[1] = "--spring.cloud.function.definition=handleOrder";
		args[2] = "--spring.cloud.stream.bindings." + BINDING + ".destination=" + stream;
		args[3] = "--spring.cloud.stream.bindings." + BINDING + ".group=" + group;
		args[4] = "--spring.cloud.stream.redis.default.consumer.block-timeout=100ms";
		args[5] = "--spring.cloud.stream.bindings." + BINDING + ".consumer.back-off-initial-interval=10";
		args[6] = "--spring.cloud.stream.bindings." + BINDING + ".consumer.back-off-max-interval=20";
		System.arraycopy(extraArgs, 0, args, 7, extraArgs.length);
		return new SpringApplicationBuilder(application).web(WebApplicationType.NONE).run(args);
	}

	/** The consumer of {@link OrderTestApp} and a producer binding in one application. */
	@Configuration(proxyBeanMethods = false)
	static class ProducingOrderApp extends OrderTestApp {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ProducerApp {

	}

}
