package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.models.stream.PendingMessages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisBinderHarness.BoundChannel;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Leases of a consumer that holds more pending entries than one Lua {@code unpack} can take (about
 * 8,000): renewal and hand-back must go to Redis in chunks, or they fail and the entries of a live
 * consumer age until another consumer takes them over.
 */
@ExtendWith({ OutputCaptureExtension.class, RedisExtension.class })
class LeaseChunkingTests {

	private static final int ENTRIES = 9_000;

	private static final String RENEW_FAILED = "Could not renew the leases";

	private static final String LOST = "were deleted from the stream before they were processed";

	private StreamInspector redis;

	private TestKeys keys;

	private String stream;

	@BeforeEach
	void connect(StreamInspector inspector, TestKeys keys) {
		this.redis = inspector;
		this.keys = keys;
	}

	/**
	 * Attacks one script call with all 9,000 ids (Lua's unpack fails beyond ~8,000): the renewal would
	 * fail with a WARN and every entry would keep aging; the hand-back would fail the same way and leave
	 * the entries owned, idle from their fetch, with their counters of 1. Three ids on the chunk
	 * boundaries are deleted from the stream first: a renewal must leave them pending (their consumer has
	 * them in memory), the hand-back reports exactly them as lost.
	 */
	@Test
	void renewalAndHandBackOfMoreThanEightThousandEntriesGoInChunks(CapturedOutput output) {
		this.stream = this.keys.unique("lease-chunks");
		String group = "bulk";
		Duration claimIdleTime = Duration.ofMillis(1500);
		List<String> ids = fetchedByRawConsumer(group, "c");
		assertThat(ids).hasSize(ENTRIES);
		// every entry idle for two thirds of claim-idle-time: a renewal must bring them all back to 0
		await().atMost(Duration.ofSeconds(20)).until(() -> idleIds(group, 1000).size() == ENTRIES);
		List<String> deleted = List.of(ids.get(999), ids.get(1000), ids.get(ENTRIES - 1));
		this.redis.redis().xdel(this.stream, deleted.toArray(String[]::new));

		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(RedisTestSupport.redisUrl()));
		factory.afterPropertiesSet();
		RedisStreamConnections connections = new RedisStreamConnections(factory);
		LostCounter lost = new LostCounter();
		try {
			PendingEntryUpdates updates = new PendingEntryUpdates(connections.shared(), this.stream, group,
					claimIdleTime, lost);
			LeaseKeeper keeper = new LeaseKeeper(updates, claimIdleTime);
			keeper.register("c").addAll(ids);

			keeper.renewAll();

			// only the deleted entries were not renewed (XCLAIM would drop them from the PEL), and they
			// are still pending
			assertThat(idleIds(group, 1000)).as("entries still idle after the renewal")
				.containsExactlyInAnyOrderElementsOf(deleted);
			List<PendingMessage> pending = pending(group);
			assertThat(pending).hasSize(ENTRIES);
			assertThat(pending).allSatisfy((entry) -> {
				assertThat(entry.getConsumer()).isEqualTo("c");
				assertThat(entry.getRedeliveryCount()).as("counter of %s", entry.getId()).isEqualTo(1);
			});
			assertThat(lost.count.get()).isZero();
			assertThat(output.getOut()).doesNotContain(RENEW_FAILED).doesNotContain(LOST);

			keeper.release("c", ids, 0L);

			// handed back: idle at claim-idle-time at once, no delivery counted; the deleted ones are lost
			List<PendingMessage> handedBack = this.redis.redis()
				.xpending(this.stream, XPendingArgs.Builder.xpending(group, Range.create("-", "+"), Limit.from(20_000))
					.idle(claimIdleTime));
			assertThat(handedBack).hasSize(ENTRIES - deleted.size());
			assertThat(handedBack).allSatisfy((entry) -> {
				assertThat(entry.getConsumer()).isEqualTo("c");
				assertThat(entry.getRedeliveryCount()).as("counter of %s", entry.getId()).isZero();
			});
			assertThat(pending(group)).hasSize(ENTRIES - deleted.size())
				.extracting(PendingMessage::getId)
				.doesNotContainAnyElementsOf(deleted);
			assertThat(lost.count.get()).isEqualTo(deleted.size());
			// reported per chunk (ids 999, 1000 and the last lie in three chunks of 1000), each id once
			assertThat(occurrences(output.getOut(), LOST)).isEqualTo(3);
			assertThat(output.getOut()).contains(deleted.get(0), deleted.get(1), deleted.get(2))
				.doesNotContain(RENEW_FAILED);
		}
		finally {
			connections.destroy();
			factory.destroy();
		}
	}

	/**
	 * End to end: one consumer fetches a batch of 9,000 (read-count 10000) and its handler holds the first
	 * entry for twice claim-idle-time. Attacks the lease keeper of a live consumer failing on a big lease
	 * set: the second consumer of the group, claiming every 100 ms, would take over the entries.
	 */
	@Test
	void secondConsumerTakesNothingFromAConsumerHoldingNineThousandEntries(CapturedOutput output) {
		this.stream = this.keys.unique("lease-chunks-e2e");
		String group = "bulk";
		addEntries(ENTRIES);
		AtomicInteger handledByFirst = new AtomicInteger();
		AtomicInteger handledBySecond = new AtomicInteger();
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		try (RedisBinderHarness harness = RedisBinderHarness
			.start("--spring.cloud.stream.redis.binder.instance-id=" + RedisTestSupport.uniqueName("chunks"))) {
			ExtendedConsumerProperties<RedisConsumerProperties> first = properties(harness, "bulk-first-in");
			first.getExtension().setReadCount(10_000);
			BoundChannel firstChannel = harness.bindConsumer(this.stream, group, first);
			firstChannel.channel().subscribe((message) -> {
				if (handledByFirst.get() == 0) {
					holding.countDown();
					awaitQuietly(release);
				}
				handledByFirst.incrementAndGet();
			});
			await().atMost(Duration.ofSeconds(30))
				.until(() -> holding.getCount() == 0 && this.redis.redis().xpending(this.stream, group).getCount() == ENTRIES);
			String firstConsumer = this.redis.pending(this.stream, group).get(0).getConsumer();

			BoundChannel secondChannel = harness.bindConsumer(this.stream, group, properties(harness, "bulk-second-in"));
			secondChannel.channel().subscribe((message) -> handledBySecond.incrementAndGet());

			// twice claim-idle-time: without working renewals every entry would be claimed by now
			await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				PendingMessages summary = this.redis.redis().xpending(this.stream, group);
				assertThat(handledBySecond.get()).as("entries the second consumer got").isZero();
				assertThat(summary.getConsumerMessageCount()).as("owners of the pending entries")
					.containsExactly(Map.entry(firstConsumer, (long) ENTRIES));
			});
			assertThat(output.getOut()).doesNotContain(RENEW_FAILED);

			release.countDown();
			await().atMost(Duration.ofSeconds(30))
				.until(() -> handledByFirst.get() == ENTRIES && this.redis.redis().xpending(this.stream, group).getCount() == 0);
			assertThat(handledBySecond.get()).isZero();
			assertThat(output.getOut()).doesNotContain(RENEW_FAILED).doesNotContain("was claimed by another consumer");
		}
		finally {
			release.countDown();
		}
	}

	private static ExtendedConsumerProperties<RedisConsumerProperties> properties(RedisBinderHarness harness,
			String bindingName) {
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(bindingName);
		// renewed every 500 ms: a margin of a second for a renewal of 9,000 ids on a busy machine
		properties.getExtension().setClaimIdleTime(Duration.ofMillis(1500));
		properties.getExtension().setClaimInterval(Duration.ofMillis(100));
		return properties;
	}

	/**
	 * A consumer outside the binder fetches every entry, as a binder consumer would in one batch.
	 */
	private List<String> fetchedByRawConsumer(String group, String consumer) {
		this.redis.redis()
			.xgroupCreate(XReadArgs.StreamOffset.from(this.stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
		addEntries(ENTRIES);
		List<StreamMessage<String, String>> fetched = this.redis.redis()
			.xreadgroup(Consumer.from(group, consumer), XReadArgs.Builder.count(ENTRIES),
					XReadArgs.StreamOffset.lastConsumed(this.stream));
		return fetched.stream().map(StreamMessage::getId).toList();
	}

	private void addEntries(int count) {
		// one script call instead of 9,000 round trips
		this.redis.redis()
			.eval("for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'payload', 'entry-' .. i) end",
					ScriptOutputType.STATUS, new String[] { this.stream }, Integer.toString(count));
		assertThat(this.redis.length(this.stream)).isEqualTo(count);
	}

	private List<String> idleIds(String group, long minIdleMillis) {
		return this.redis.redis()
			.xpending(this.stream, XPendingArgs.Builder.xpending(group, Range.create("-", "+"), Limit.from(20_000))
				.idle(Duration.ofMillis(minIdleMillis)))
			.stream()
			.map(PendingMessage::getId)
			.toList();
	}

	private List<PendingMessage> pending(String group) {
		return this.redis.redis().xpending(this.stream, group, Range.create("-", "+"), Limit.from(20_000));
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
			count++;
		}
		return count;
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
	 * Counts the entries reported lost.
	 */
	static final class LostCounter implements ConsumerMetrics {

		final AtomicInteger count = new AtomicInteger();

		@Override
		public void lostToTrimming(int count) {
			this.count.addAndGet(count);
		}

	}

}
