package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.BindingMetricsFactory;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.metrics.ProducerMetrics;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What dead consumers and retention leave behind: pending entries whose data was trimmed are reported as
 * lost, and idle consumers without pending entries are removed, never those with pending entries.
 */
class HousekeepingTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	@Test
	void pendingEntriesTrimmedAwayAreReportedAsLostAndLeaveThePel() {
		String stream = RedisTestSupport.uniqueName("trimmed");
		String group = "audit";
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
		for (int i = 0; i < 5; i++) {
			redis.xadd(stream, "payload", new Order("gone-" + i, 1).toJson());
		}
		// a consumer that is gone fetched them; then a capped producer trimmed them away
		redis.xreadgroup(Consumer.from(group, "ghost"), XReadArgs.Builder.count(10),
				XReadArgs.StreamOffset.lastConsumed(stream));
		redis.xtrim(stream, 0);
		redis.xadd(stream, "payload", new Order("kept", 1).toJson());

		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OrderTestApp.class,
				CountingMetricsConfiguration.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
					"--spring.cloud.function.definition=handleOrder",
					"--spring.cloud.stream.bindings.handleOrder-in-0.destination=" + stream,
					"--spring.cloud.stream.bindings.handleOrder-in-0.group=" + group,
					"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
					"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=100ms",
					"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms")) {
			CountingMetrics metrics = context.getBean(CountingMetrics.class);
			OrderHandler handler = context.getBean(OrderHandler.class);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> metrics.lost.get() == 5 && redis.xpending(stream, group).getCount() == 0);
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.successes("kept") == 1);
		}
		redis.del(stream);
	}

	@Test
	void idleConsumersWithoutPendingEntriesAreRemovedButNotThoseWithPendingWork() {
		String stream = RedisTestSupport.uniqueName("janitor");
		String group = "reports";
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
		redis.xadd(stream, "payload", "x");
		redis.xgroupCreateconsumer(stream, Consumer.from(group, "idle-empty"));
		redis.xreadgroup(Consumer.from(group, "idle-busy"), XReadArgs.Builder.count(1),
				XReadArgs.StreamOffset.lastConsumed(stream));
		redis.xgroupCreateconsumer(stream, Consumer.from(group, "me-0"));
		String anonymous = "anonymous.left-behind";
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "$"), anonymous);
		redis.xgroupCreateconsumer(stream, Consumer.from(anonymous, "dead-0"));
		await().atMost(Duration.ofSeconds(5))
			.until(() -> redis.xinfoConsumers(stream, group).size() == 3 && idleOfAll(stream, group) > 200);

		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(RedisTestSupport.redisUrl()));
		factory.afterPropertiesSet();
		RedisStreamConnections connections = new RedisStreamConnections(factory);
		try {
			StreamCommands commands = connections.shared();
			ConsumerJanitor janitor = new ConsumerJanitor(commands, stream, group, Set.of("me-0"), Duration.ofMillis(200));
			assertThat(janitor.sweep()).isEqualTo(2);
			assertThat(commands.xinfoConsumers(stream, group)).extracting("name")
				.containsExactlyInAnyOrder("idle-busy", "me-0");
			assertThat(commands.xinfoGroups(stream)).extracting("name").containsExactly(group);
		}
		finally {
			connections.destroy();
			factory.destroy();
		}
		redis.del(stream);
	}

	private static long idleOfAll(String stream, String group) {
		long smallest = Long.MAX_VALUE;
		for (Object consumer : redis.xinfoConsumers(stream, group)) {
			List<?> fields = (List<?>) consumer;
			for (int i = 0; i + 1 < fields.size(); i += 2) {
				if ("idle".equals(fields.get(i))) {
					smallest = Math.min(smallest, (Long) fields.get(i + 1));
				}
			}
		}
		return smallest;
	}

	/**
	 * Metrics that count what the tests look at.
	 */
	static class CountingMetrics implements BindingMetricsFactory, ConsumerMetrics {

		final AtomicInteger lost = new AtomicInteger();

		@Override
		public ConsumerMetrics consumer(String bindingName, String stream, String group) {
			return this;
		}

		@Override
		public ProducerMetrics producer(String bindingName, String stream) {
			return ProducerMetrics.NOOP;
		}

		@Override
		public void lostToTrimming(int count) {
			this.lost.addAndGet(count);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CountingMetricsConfiguration {

		@Bean
		CountingMetrics countingMetrics() {
			return new CountingMetrics();
		}

	}

}
