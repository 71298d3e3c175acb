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

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A consumer that dies with SIGKILL in the middle of its work leaves its entries in the PEL; a live
 * consumer of the group claims them after {@code claim-idle-time} and every message is processed, counted
 * by business key, with nothing left pending.
 */
class ConsumerCrashTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	@Test
	void entriesOfAKilledConsumerAreClaimedAndProcessedByALiveOne() throws Exception {
		killAndRecover("handleOrder", "auto");
	}

	/**
	 * Manual acknowledgement: the killed consumer held entries its worker had not acknowledged yet.
	 */
	@Test
	void entriesAKilledConsumerHadNotAcknowledgedManuallyAreClaimedAndProcessedByALiveOne() throws Exception {
		killAndRecover("handleOrderManually", "manual");
	}

	private void killAndRecover(String function, String ackMode) throws Exception {
		this.function = function;
		this.ackMode = ackMode;
		String stream = RedisTestSupport.uniqueName("crash-" + ackMode);
		String group = "fulfilment";
		String processed = stream + ":processed";
		int orders = 30;
		for (int i = 0; i < orders; i++) {
			redis.xadd(stream, "payload", new Order("order-" + i, 1).toJson());
		}

		Process doomed = startConsumerProcess(stream, group);
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> redis.hlen(processed) >= 5);
		}
		finally {
			doomed.destroyForcibly();
			doomed.waitFor(10, TimeUnit.SECONDS);
		}
		long processedBeforeCrash = redis.hlen(processed);
		assertThat(processedBeforeCrash).isLessThan(orders);
		assertThat(redis.xpending(stream, group).getCount())
			.as("the killed consumer leaves its fetched entries pending")
			.isPositive();

		// the same application, in this JVM: it counts what it processes in the same hash
		try (ConfigurableApplicationContext survivor = new SpringApplicationBuilder(CrashTestConsumer.class)
			.web(WebApplicationType.NONE)
			.run(consumerArguments(stream, group, "survivor", 0).toArray(String[]::new))) {
			await().atMost(Duration.ofSeconds(60))
				.until(() -> redis.hlen(processed) == orders && redis.xpending(stream, group).getCount() == 0);
		}

		Map<String, String> counts = redis.hgetall(processed);
		assertThat(counts).hasSize(orders);
		long redeliveries = counts.values().stream().mapToLong(Long::parseLong).sum() - orders;
		// only entries completed by the killed consumer but not yet acknowledged may be processed again:
		// its acknowledgements are flushed at the latest 100 ms after a success, so at most two
		assertThat(redeliveries).isLessThanOrEqualTo(2);
		redis.del(stream, processed);
	}

	private String function;

	private String ackMode;

	private Process startConsumerProcess(String stream, String group) throws IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
				CrashTestConsumer.class.getName()));
		command.addAll(consumerArguments(stream, group, "doomed", 100));
		File log = new File("target", "crash-test-consumer-" + this.ackMode + ".log");
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

	private List<String> consumerArguments(String stream, String group, String instanceId, long handlerMillis) {
		String binding = this.function + "-in-0";
		return List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.function.definition=" + this.function,
				"--spring.cloud.stream.bindings." + binding + ".destination=" + stream,
				"--spring.cloud.stream.bindings." + binding + ".group=" + group,
				"--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.ack-mode=" + this.ackMode,
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.read-count=10",
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.block-timeout=100ms",
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.claim-idle-time=2s",
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.claim-interval=200ms",
				"--crash-test.stream=" + stream,
				"--crash-test.handler-millis=" + handlerMillis);
	}

}
