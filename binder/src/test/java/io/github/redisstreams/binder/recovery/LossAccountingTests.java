package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.models.stream.PendingMessage;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.binder.Binding;
import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;

import io.github.redisstreams.binder.metrics.BinderMeters;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisBinderHarness.BoundChannel;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pending entries deleted from the stream (XDEL, trimming) are data loss: reported (WARN and the
 * {@code lost.to.trimming} counter) exactly once, by whoever removes them from the PEL, and never while
 * a live consumer still processes them from memory.
 */
@ExtendWith({ OutputCaptureExtension.class, RedisExtension.class })
class LossAccountingTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final String LOST = "were deleted from the stream before they were processed";

	private static final String INSTANCE_ID = RedisTestSupport.uniqueName("loss");

	private static RedisBinderHarness harness;

	private static StreamInspector redis;

	/** The streams of this class: the harness reads them until it stops, after the last test. */
	private static TestKeys keys;

	@BeforeAll
	static void startApplication(StreamInspector inspector, TestKeys classKeys) {
		redis = inspector;
		keys = classKeys;
		harness = RedisBinderHarness.start("--spring.cloud.stream.redis.binder.instance-id=" + INSTANCE_ID,
				"--spring.cloud.stream.redis.default.consumer.shutdown-timeout=5s");
	}

	@AfterAll
	static void stopApplication() {
		if (harness != null) {
			harness.close();
		}
	}

	/**
	 * Attacks the claim of a deleted entry whose consumer is alive but silent: the first consumer's
	 * handler holds the entry (longer than claim-idle-time) when the entry is deleted from the stream.
	 * Its lease cannot be renewed (XCLAIM would drop a deleted entry from the PEL), so the entry ages; the
	 * second consumer, claiming every 100 ms, must still see that its owner is alive, and neither report it
	 * lost nor acknowledge it: the first consumer processes it from memory and acknowledges it.
	 */
	@Test
	void entryDeletedWhileALiveConsumerProcessesItIsNotReportedLost(CapturedOutput output) {
		String stream = stream("live");
		String group = "slow";
		String id = redis.add(stream, Map.of("payload", "in-the-handler"));
		CountDownLatch inHandler = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Received first = new Received((message) -> {
			inHandler.countDown();
			awaitQuietly(release);
		});
		Received second = new Received((message) -> {
		});
		try {
			String firstBinding = consume(stream, group, claimingProperties(stream + "-first-in", 600), first);
			await().atMost(TIMEOUT).until(() -> inHandler.getCount() == 0);
			redis.redis().xdel(stream, id);
			String secondBinding = consume(stream, group, claimingProperties(stream + "-second-in", 600), second);

			// the first handler runs on for four times claim-idle-time while the second consumer claims
			// (a report or a take-over is final: a short bound past the observation period is enough)
			await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
				List<PendingMessage> pending = redis.pending(stream, group);
				String state = "entry " + id + " in the handler of " + INSTANCE_ID + "-0; lost reported by first="
						+ lost(firstBinding) + ", second=" + lost(secondBinding) + "; PEL " + describe(pending)
						+ "; consumers " + redis.redis().xinfoConsumers(stream, group);
				assertThat(lost(firstBinding) + lost(secondBinding)).as("entries reported lost (%s)", state).isZero();
				assertThat(pending).as("pending entries (%s)", state)
					.singleElement()
					.satisfies((entry) -> assertThat(entry.getConsumer()).isEqualTo(INSTANCE_ID + "-0"));
			});
			release.countDown();

			await().atMost(TIMEOUT).until(() -> first.count() == 1 && redis.pending(stream, group).isEmpty());
			assertThat(first.entryIds()).containsExactly(id);
			assertThat(second.count()).isZero();
			assertThat(lost(firstBinding)).isZero();
			assertThat(lost(secondBinding)).isZero();
			assertThat(lostReportsOf(output, stream)).isEmpty();
		}
		finally {
			release.countDown();
		}
	}

	/**
	 * Attacks the hand-back of a stopping consumer: the rest of its batch goes back to the group, and the
	 * entries of it that were deleted meanwhile cannot be handed back (XCLAIM would drop them silently). They
	 * are the consumer's to report: exactly those six, once; the three others go back untouched (counter
	 * 0, idle at claim-idle-time).
	 */
	@Test
	void stoppingConsumerReportsTheDeletedRestOfItsBatchAsLostAndHandsBackTheOthers(CapturedOutput output) {
		String stream = stream("stop");
		String group = "stopping";
		List<String> ids = new ArrayList<>();
		for (int i = 1; i <= 10; i++) {
			ids.add(redis.add(stream, Map.of("payload", "entry-" + i)));
		}
		CountDownLatch inHandler = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Received received = new Received((message) -> {
			inHandler.countDown();
			awaitQuietly(release);
		});
		Duration claimIdleTime = Duration.ofMinutes(10);
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(stream + "-in");
		properties.getExtension().setReadCount(10);
		properties.getExtension().setClaimIdleTime(claimIdleTime);
		BoundChannel input = harness.bindConsumer(stream, group, properties);
		input.channel().subscribe(received::handle);
		String bindingName = properties.getBindingName();
		try {
			await().atMost(TIMEOUT).until(() -> inHandler.getCount() == 0);
			// the counters of the waiting entries are back at 0 (else the reset could still drop deleted ones)
			await().atMost(TIMEOUT)
				.until(() -> redis.pending(stream, group).stream().filter((entry) -> entry.getRedeliveryCount() == 0).count() == 9);
			List<String> deleted = ids.subList(4, 10);
			redis.redis().xdel(stream, deleted.toArray(String[]::new));

			Binding<MessageChannel> binding = input.binding();
			CompletableFuture<Void> unbinding = CompletableFuture.runAsync(() -> harness.unbind(binding));
			// the binding leaves the registry as it starts stopping, and asks its consumer to stop right after
			await().atMost(TIMEOUT)
				.until(() -> harness.bindingRegistry().consumers().stream().noneMatch((view) -> view.stream().equals(stream)));
			pause(300);
			release.countDown();
			await().atMost(TIMEOUT).until(unbinding::isDone);
			assertThat(unbinding).isCompleted();

			assertThat(received.entryIds()).containsExactly(ids.get(0));
			assertThat(lost(bindingName)).isEqualTo(6);
			List<String> reports = lostReportsOf(output, stream);
			assertThat(reports).singleElement().satisfies((line) -> {
				assertThat(line).contains("6 pending entries").contains(deleted);
				assertThat(ids.subList(0, 4)).noneMatch(line::contains);
			});
			List<PendingMessage> pending = redis.pending(stream, group);
			assertThat(pending).extracting(PendingMessage::getId).containsExactlyElementsOf(ids.subList(1, 4));
			assertThat(pending).allSatisfy((entry) -> {
				assertThat(entry.getConsumer()).isEqualTo(INSTANCE_ID + "-0");
				assertThat(entry.getRedeliveryCount()).as("counter of %s", entry.getId()).isZero();
			});
			List<PendingMessage> handedBack = redis.redis()
				.xpending(stream, XPendingArgs.Builder.xpending(group, Range.create("-", "+"), Limit.from(100))
					.idle(claimIdleTime));
			assertThat(handedBack).extracting(PendingMessage::getId).containsExactlyElementsOf(ids.subList(1, 4));
		}
		finally {
			release.countDown();
		}
	}

	/**
	 * Attacks two live consumers racing to take the same deleted entries of a dead consumer: each entry
	 * must be reported by exactly one of them (the take and its acknowledgement are one script).
	 */
	@Test
	void trimmedEntriesOfADeadConsumerAreReportedOnceWithTwoConsumersClaiming(CapturedOutput output) {
		String stream = stream("dead");
		String group = "racing";
		redis.redis().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			ids.add(redis.add(stream, Map.of("payload", "gone-" + i)));
		}
		redis.redis()
			.xreadgroup(io.lettuce.core.Consumer.from(group, "dead"), XReadArgs.Builder.count(10),
					XReadArgs.StreamOffset.lastConsumed(stream));
		redis.redis().xtrim(stream, 0);
		String kept = redis.add(stream, Map.of("payload", "kept"));
		Received first = new Received((message) -> {
		});
		Received second = new Received((message) -> {
		});
		// both start before the entries are idle long enough: their first claims of them coincide
		String firstBinding = consume(stream, group, claimingProperties(stream + "-first-in", 300), first);
		String secondBinding = consume(stream, group, claimingProperties(stream + "-second-in", 300), second);

		await().atMost(TIMEOUT).until(() -> redis.pending(stream, group).isEmpty() && first.count() + second.count() == 1);
		// no second report comes later
		await().during(Duration.ofSeconds(1))
			.atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(lost(firstBinding) + lost(secondBinding)).as("entries reported lost")
				.isEqualTo(10));
		List<String> reports = lostReportsOf(output, stream);
		for (String id : ids) {
			assertThat(reports.stream().filter((line) -> line.contains(id))).as("reports of %s", id).hasSize(1);
		}
		List<String> delivered = new ArrayList<>(first.entryIds());
		delivered.addAll(second.entryIds());
		assertThat(delivered).containsExactly(kept);
	}

	// --- helpers --------------------------------------------------------------------------------

	private static String stream(String name) {
		return keys.unique("loss-" + name);
	}

	private static ExtendedConsumerProperties<RedisConsumerProperties> claimingProperties(String bindingName,
			long claimIdleMillis) {
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(bindingName);
		properties.getExtension().setClaimIdleTime(Duration.ofMillis(claimIdleMillis));
		properties.getExtension().setClaimInterval(Duration.ofMillis(100));
		return properties;
	}

	private static String consume(String stream, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties, Received received) {
		BoundChannel input = harness.bindConsumer(stream, group, properties);
		input.channel().subscribe(received::handle);
		return properties.getBindingName();
	}

	private static String describe(List<PendingMessage> pending) {
		return pending.stream()
			.map((entry) -> entry.getId() + " owner=" + entry.getConsumer() + " count=" + entry.getRedeliveryCount()
					+ " idle=" + entry.getMsSinceLastDelivery() + "ms")
			.toList()
			.toString();
	}

	private static double lost(String bindingName) {
		return harness.context()
			.getBean(MeterRegistry.class)
			.get(BinderMeters.LOST_TO_TRIMMING)
			.tag(BinderMeters.TAG_BINDING, bindingName)
			.counter()
			.count();
	}

	/**
	 * The lines of the WARN that reports lost entries of a stream.
	 */
	private static List<String> lostReportsOf(CapturedOutput output, String stream) {
		return Arrays.stream(output.getOut().split("\\R"))
			.filter((line) -> line.contains(LOST) && line.contains("'" + stream + "'"))
			.toList();
	}

	private static void pause(long millis) {
		try {
			// widens a window of the scenario; it does not wait for an outcome
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Records every delivery to a handler, then behaves as told.
	 */
	static final class Received {

		private final List<Message<?>> messages = new CopyOnWriteArrayList<>();

		private final java.util.function.Consumer<Message<?>> behaviour;

		Received(java.util.function.Consumer<Message<?>> behaviour) {
			this.behaviour = behaviour;
		}

		void handle(Message<?> message) {
			this.messages.add(message);
			this.behaviour.accept(message);
		}

		int count() {
			return this.messages.size();
		}

		List<String> entryIds() {
			return this.messages.stream().map((message) -> (String) message.getHeaders().get(RedisStreamHeaders.ENTRY_ID))
				.toList();
		}

	}

}
