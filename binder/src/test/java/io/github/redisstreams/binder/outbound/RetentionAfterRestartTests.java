package io.github.redisstreams.binder.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Safe retention when Redis restarts empty while the consumers are down: the producer writes again into a
 * stream without groups, and the trim must not take what the returning consumers have not read.
 */
@ExtendWith(OutputCaptureExtension.class)
class RetentionAfterRestartTests {

	private static final String STREAM = "restarted";

	private static final String GROUP = "ledger";

	private static final int MAX_LEN = 5;

	private static final int WRITTEN_AFTER_RESTART = 20;

	private static final String SUSPENDED_WARNING = "had consumer groups and now has none";

	@Test
	void requiredGroupIsCreatedAgainSoTheReturningConsumerGetsEverything(CapturedOutput output) {
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort();
				ConfigurableApplicationContext producer = startProducer(server,
						"--spring.cloud.stream.bindings.out.producer.required-groups=" + GROUP)) {
			consumeThenRestartRedisWhileTheConsumerIsDown(server, producer);

			// the producer created the group again: the stream is held back by it, not suspended
			assertThat(groupsOf(server)).containsExactly(GROUP);
			assertThat(output.getOut()).doesNotContain(SUSPENDED_WARNING);
			consumerComesBackAndGetsEverything(server);
		}
	}

	@Test
	void streamThatLostItsGroupsIsNotTrimmedUntilTheyAreBack(CapturedOutput output) {
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort();
				ConfigurableApplicationContext producer = startProducer(server)) {
			consumeThenRestartRedisWhileTheConsumerIsDown(server, producer);

			assertThat(groupsOf(server)).isEmpty();
			assertThat(occurrences(output.getOut(), SUSPENDED_WARNING)).isEqualTo(1);
			consumerComesBackAndGetsEverything(server);
			// the group is back: retention applies again
			await().atMost(Duration.ofSeconds(10)).until(() -> length(server) == MAX_LEN);
		}
	}

	/**
	 * A consumer reads while the producer's trim has seen its group; the consumer stops, Redis restarts
	 * empty, the producer writes more than max-len. The trim runs every 100 ms and must leave it all.
	 */
	private static void consumeThenRestartRedisWhileTheConsumerIsDown(RedisServerProcess server,
			ConfigurableApplicationContext producer) {
		StreamBridge bridge = producer.getBean(StreamBridge.class);
		try (ConfigurableApplicationContext consumer = OrderTestApp.startOn(server.url(), STREAM, GROUP)) {
			OrderHandler handler = consumer.getBean(OrderHandler.class);
			for (int i = 0; i < 2 * MAX_LEN; i++) {
				bridge.send("out", new Order("before-" + i, 1));
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> handler.totalSuccesses() == 2 * MAX_LEN);
			// trimmed while the group existed: the trim has seen it
			await().atMost(Duration.ofSeconds(10)).until(() -> length(server) == MAX_LEN);
		}

		server.kill();
		server.start();
		for (int i = 0; i < WRITTEN_AFTER_RESTART; i++) {
			bridge.send("out", new Order("after-" + i, 1));
		}
		// sync sends: all of them are stored
		await().during(Duration.ofSeconds(1))
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(length(server)).isEqualTo(WRITTEN_AFTER_RESTART));
	}

	private static void consumerComesBackAndGetsEverything(RedisServerProcess server) {
		try (ConfigurableApplicationContext consumer = OrderTestApp.startOn(server.url(), STREAM, GROUP)) {
			OrderHandler handler = consumer.getBean(OrderHandler.class);
			List<String> expected = IntStream.range(0, WRITTEN_AFTER_RESTART).mapToObj((i) -> "after-" + i).toList();
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(expected).allSatisfy((id) -> assertThat(handler.successes(id)).isOne()));
		}
	}

	private static ConfigurableApplicationContext startProducer(RedisServerProcess server, String... args) {
		List<String> all = new ArrayList<>(List.of("--spring.data.redis.url=" + server.url(),
				"--spring.data.redis.timeout=5s", "--spring.cloud.stream.bindings.out.destination=" + STREAM,
				"--spring.cloud.stream.output-bindings=out", "--spring.cloud.function.definition=",
				"--spring.cloud.stream.redis.bindings.out.producer.sync=true",
				"--spring.cloud.stream.redis.bindings.out.producer.max-len=" + MAX_LEN,
				"--spring.cloud.stream.redis.bindings.out.producer.trim-interval=100ms"));
		all.addAll(List.of(args));
		return new SpringApplicationBuilder(ProducerApp.class).web(WebApplicationType.NONE)
			.run(all.toArray(String[]::new));
	}

	private static long length(RedisServerProcess server) {
		return withRedis(server, (redis) -> redis.exists(STREAM) > 0 ? redis.xlen(STREAM) : 0L);
	}

	private static List<String> groupsOf(RedisServerProcess server) {
		return withRedis(server, (redis) -> redis.xinfoGroups(STREAM)
			.stream()
			.map((group) -> String.valueOf(((List<?>) group).get(1)))
			.toList());
	}

	private static <T> T withRedis(RedisServerProcess server,
			java.util.function.Function<RedisCommands<String, String>, T> action) {
		RedisClient client = RedisClient.create(server.url());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return action.apply(connection.sync());
		}
		finally {
			client.shutdown();
		}
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
			count++;
		}
		return count;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ProducerApp {

	}

}
