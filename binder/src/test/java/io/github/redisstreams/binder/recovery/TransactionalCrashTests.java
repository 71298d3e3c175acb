package io.github.redisstreams.binder.recovery;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
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
 * A transactional processor killed with SIGKILL in the middle of its work, wherever the kill lands (in a handler,
 * between a handler's return and its atomic step, after the step): once a live instance has taken over, every
 * order was applied exactly once, its output written exactly once, and the total is the sum of the inputs, even
 * though some orders reached a handler twice.
 */
class TransactionalCrashTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final int ORDERS = 40;

	@Test
	void aKilledTransactionalProcessorLeavesEveryOrderAppliedExactlyOnce() throws Exception {
		String stream = RedisTestSupport.uniqueName("tx-crash");
		String group = "invoicing";
		String output = "{" + stream + "}:invoices";
		int sum = 0;
		for (int i = 1; i <= ORDERS; i++) {
			redis.xadd(stream, "payload", new Order("order-" + i, i).toJson());
			sum += i;
		}
		Process doomed = start(stream, group, output);
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> redis.xlen(output) >= 5);
		}
		finally {
			doomed.destroyForcibly();
			doomed.waitFor(10, TimeUnit.SECONDS);
		}
		assertThat(redis.xlen(output)).as("killed before the end").isLessThan(ORDERS);

		try (ConfigurableApplicationContext survivor = new SpringApplicationBuilder(CrashTestConsumer.class)
			.web(WebApplicationType.NONE)
			.run(arguments(stream, group, output, "survivor", 0).toArray(String[]::new))) {
			await().atMost(Duration.ofSeconds(60))
				.until(() -> redis.xlen(output) >= ORDERS && redis.xpending(stream, group).getCount() == 0);
		}

		List<String> invoices = redis.xrange(output, Range.create("-", "+"))
			.stream()
			.map((entry) -> entry.getBody().get("payload"))
			.toList();
		assertThat(invoices).hasSize(ORDERS).doesNotHaveDuplicates();
		Map<String, String> applied = redis.hgetall("{" + stream + "}:applied");
		assertThat(applied).hasSize(ORDERS);
		assertThat(applied.values()).allMatch("1"::equals);
		assertThat(redis.hget("{" + stream + "}:totals", "quantity")).isEqualTo(Integer.toString(sum));
		redis.del(stream, output, "{" + stream + "}:applied", "{" + stream + "}:totals", stream + ":handed");
	}

	private static Process start(String stream, String group, String output) throws java.io.IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
				System.getProperty("java.class.path"), CrashTestConsumer.class.getName()));
		command.addAll(arguments(stream, group, output, "doomed", 50));
		File log = new File("target", "transactional-crash.log");
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

	private static List<String> arguments(String stream, String group, String output, String instanceId,
			long handlerMillis) {
		return List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.function.definition=invoiceOrder",
				"--spring.cloud.stream.bindings.invoiceOrder-in-0.destination=" + stream,
				"--spring.cloud.stream.bindings.invoiceOrder-in-0.group=" + group,
				"--spring.cloud.stream.bindings.invoiceOrder-out-0.destination=" + output,
				"--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
				"--spring.cloud.stream.redis.bindings.invoiceOrder-in-0.consumer.transactional=true",
				"--spring.cloud.stream.redis.bindings.invoiceOrder-in-0.consumer.read-count=10",
				"--spring.cloud.stream.redis.bindings.invoiceOrder-in-0.consumer.block-timeout=100ms",
				"--spring.cloud.stream.redis.bindings.invoiceOrder-in-0.consumer.claim-idle-time=2s",
				"--spring.cloud.stream.redis.bindings.invoiceOrder-in-0.consumer.claim-interval=200ms",
				"--crash-test.stream=" + stream,
				"--crash-test.handler-millis=" + handlerMillis);
	}

}
