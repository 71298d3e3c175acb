package io.github.redisstreams.binder.recovery;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application polling a pollable source dies with SIGKILL in the middle of its work, with entries fetched for
 * later polls and one in its handler: they stay pending for the dead consumer, and another instance that polls
 * the group takes them over after {@code claim-idle-time}. Every order is processed, nothing is left pending or
 * dead-lettered.
 */
class PollerCrashTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final String GROUP = "fulfilment";

	@Test
	void entriesOfAKilledPollerAreTakenOverByAnotherOne() throws Exception {
		String stream = RedisTestSupport.uniqueName("poller-crash");
		String processed = stream + ":processed";
		int orders = 30;
		for (int i = 0; i < orders; i++) {
			redis.xadd(stream, "payload", new Order("order-" + i, 1).toJson());
		}

		Process doomed = startPollerProcess(stream);
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> redis.hlen(processed) >= 5);
		}
		finally {
			doomed.destroyForcibly();
			doomed.waitFor(10, TimeUnit.SECONDS);
		}
		assertThat(redis.hlen(processed)).isLessThan(orders);
		assertThat(redis.xpending(stream, GROUP).getConsumerMessageCount())
			.as("the killed poller leaves its fetched entries pending")
			.containsOnlyKeys("doomed-0");

		// the same application, in this JVM, under another name: it counts what it processes in the same hash
		try (ConfigurableApplicationContext survivor = new SpringApplicationBuilder(CrashTestPoller.class)
			.web(WebApplicationType.NONE)
			.run(arguments(stream, "survivor", 0).toArray(String[]::new))) {
			await().atMost(Duration.ofSeconds(60))
				.until(() -> redis.hlen(processed) == orders && redis.xpending(stream, GROUP).getCount() == 0);
		}

		Map<String, String> counts = redis.hgetall(processed);
		assertThat(counts).hasSize(orders);
		long redeliveries = counts.values().stream().mapToLong(Long::parseLong).sum() - orders;
		// only the entry in the killed handler, and one whose acknowledgement was on its way, may run again
		assertThat(redeliveries).isLessThanOrEqualTo(2);
		assertThat(redis.exists(StreamKeys.deadLetterStream(stream, GROUP))).isZero();
		redis.del(stream, processed);
	}

	private Process startPollerProcess(String stream) throws IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
				CrashTestPoller.class.getName()));
		command.addAll(arguments(stream, "doomed", 100));
		File log = new File("target", "crash-test-poller.log");
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

	private static List<String> arguments(String stream, String instanceId, long handlerMillis) {
		return List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.stream.pollable-source=orders",
				"--spring.cloud.stream.bindings.orders-in-0.destination=" + stream,
				"--spring.cloud.stream.bindings.orders-in-0.group=" + GROUP,
				"--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
				"--spring.cloud.stream.redis.bindings.orders-in-0.consumer.read-count=10",
				"--spring.cloud.stream.redis.bindings.orders-in-0.consumer.claim-idle-time=2s",
				"--spring.cloud.stream.redis.bindings.orders-in-0.consumer.claim-interval=200ms",
				"--crash-test.handler-millis=" + handlerMillis);
	}

}
