package io.github.redisstreams.binder.recovery;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A message that kills the JVM every time its handler runs, third in a batch of twenty: each instance dies
 * with it and is started again. The attack: fetching the batch (and fetching it again after each death) must
 * not count as deliveries of the other nineteen, or they would be dead-lettered beside it without ever
 * reaching a handler. Required: the killer is isolated in the dead-letter stream after max-deliveries deaths
 * (plus at most one, its first death in a newly read batch, which Redis cannot see), and every sibling is
 * processed normally.
 */
class JvmKillingMessageTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final int MAX_DELIVERIES = 3;

	private static final int ORDERS = 20;

	@Test
	void restartedUnderTheSameNameTheKillerIsIsolatedAndItsSiblingsProcessed() throws Exception {
		// the same instance id each time: every restart resumes its own pending entries
		runUntilSettled("same-name", (run) -> "doomed");
	}

	@Test
	void restartedUnderNewNamesTheKillerIsIsolatedAndItsSiblingsProcessed() throws Exception {
		// a new instance id each time: the dead consumer's entries are claimed after claim-idle-time
		runUntilSettled("new-names", (run) -> "doomed-" + run);
	}

	@Test
	void inABatchTheKillerIsIsolatedAndItsSiblingsProcessed() throws Exception {
		// batch-mode: the whole batch was delivered when the JVM died; what comes back goes one at a time
		this.function = "handleOrders";
		runUntilSettled("batch", (run) -> "doomed");
	}

	/** The crash consumer's function: handleOrder, or handleOrders for a batch consumer. */
	private String function = "handleOrder";

	private void runUntilSettled(String name, java.util.function.IntFunction<String> instanceIds) throws Exception {
		String stream = RedisTestSupport.uniqueName("killer-" + name);
		String group = "fulfilment";
		String dlq = "{" + stream + "}:" + group + ":dlq";
		String killer = CrashTestConsumer.KILLER + "-1";
		for (int i = 0; i < ORDERS; i++) {
			String id = (i == 2) ? killer : "order-" + i;
			redis.xadd(stream, "payload", new Order(id, 1).toJson());
		}
		int deaths = 0;
		for (int run = 0; run < MAX_DELIVERIES + 3 && !settled(stream, group, dlq); run++) {
			Process process = start(stream, group, instanceIds.apply(run), name + "-" + run);
			try {
				await().atMost(Duration.ofSeconds(90)).until(() -> !process.isAlive() || settled(stream, group, dlq));
			}
			finally {
				if (process.isAlive()) {
					process.destroyForcibly();
				}
				else {
					deaths++;
					assertThat(process.exitValue()).as("the JVM was halted by the killer").isEqualTo(137);
				}
				process.waitFor(20, TimeUnit.SECONDS);
			}
		}
		assertThat(settled(stream, group, dlq)).as("every order processed or dead-lettered, nothing pending").isTrue();

		List<StreamMessage<String, String>> deadLetters = redis.xrange(dlq, io.lettuce.core.Range.create("-", "+"));
		assertThat(deadLetters).singleElement().satisfies((deadLetter) -> {
			assertThat(deadLetter.getBody().get("payload")).contains(killer);
			assertThat(Integer.parseInt(deadLetter.getBody().get(DeadLetterFields.DELIVERY_COUNT)))
				.isGreaterThan(MAX_DELIVERIES);
		});
		Map<String, String> handed = redis.hgetall(stream + ":handed");
		assertThat(Integer.parseInt(handed.get(killer))).as("handlers the killer reached")
			.isBetween(MAX_DELIVERIES, MAX_DELIVERIES + 1)
			.isEqualTo(deaths);
		Map<String, String> processed = redis.hgetall(stream + ":processed");
		for (int i = 0; i < ORDERS; i++) {
			if (i != 2) {
				assertThat(processed).as("sibling order-" + i + " processed").containsKey("order-" + i);
			}
		}
		assertThat(processed).doesNotContainKey(killer);
		redis.del(stream, dlq, stream + ":handed", stream + ":processed");
	}

	private static boolean settled(String stream, String group, String dlq) {
		return redis.hlen(stream + ":processed") == ORDERS - 1 && redis.xlen(dlq) == 1
				&& redis.xpending(stream, group).getCount() == 0;
	}

	private Process start(String stream, String group, String instanceId, String logName) throws IOException {
		String binding = this.function + "-in-0";
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
				System.getProperty("java.class.path"), CrashTestConsumer.class.getName()));
		command.addAll(List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.function.definition=" + this.function,
				"--spring.cloud.stream.bindings." + binding + ".destination=" + stream,
				"--spring.cloud.stream.bindings." + binding + ".group=" + group,
				"--spring.cloud.stream.bindings." + binding + ".consumer.max-attempts=1",
				"--spring.cloud.stream.bindings." + binding + ".consumer.batch-mode=" + this.function.equals("handleOrders"),
				"--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.read-count=" + ORDERS,
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.max-deliveries=" + MAX_DELIVERIES,
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.block-timeout=100ms",
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.claim-idle-time=1s",
				"--spring.cloud.stream.redis.bindings." + binding + ".consumer.claim-interval=200ms",
				"--crash-test.stream=" + stream,
				"--crash-test.handler-millis=0"));
		File log = new File("target", "jvm-killing-message-" + logName + ".log");
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

}
