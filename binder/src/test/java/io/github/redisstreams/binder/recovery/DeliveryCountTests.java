package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.models.stream.PendingMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.messaging.Message;

import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisBinderHarness.BoundChannel;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis's delivery counter counts deliveries to a handler: entries waiting in a batch are not charged,
 * pending entries are charged when they are taken (one at a time, right before their handler gets them),
 * and a failed delivery is recorded even for an entry whose counter was set back to 0.
 */
@ExtendWith(RedisExtension.class)
class DeliveryCountTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final String INSTANCE_ID = RedisTestSupport.uniqueName("counts");

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
	 * Attacks the reset of a new batch: XREADGROUP gives every entry of the batch a counter of 1 while
	 * only the first is in a handler. Without the reset (or with a reset of the first entry too) a crash
	 * now would charge all five.
	 */
	@Test
	void entriesWaitingInANewBatchAreNotCharged() {
		String stream = stream("batch");
		List<String> ids = addEntries(stream, 5);
		Gate gate = new Gate(1);
		Received received = new Received(gate);
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(stream + "-in");
		properties.getExtension().setReadCount(10);
		consume(stream, "batch", properties, received);

		try {
			gate.awaitReached();
			await().atMost(TIMEOUT).untilAsserted(() -> assertThat(counters(stream, "batch"))
				.as("delivery counters while the handler holds the first entry")
				.containsExactlyEntriesOf(ordered(ids, 1, 0, 0, 0, 0)));
			assertThat(redis.pending(stream, "batch")).extracting(PendingMessage::getConsumer)
				.containsOnly(INSTANCE_ID + "-0");
		}
		finally {
			gate.open();
		}
		await().atMost(TIMEOUT).until(() -> received.count() == 5 && redis.pending(stream, "batch").isEmpty());
		assertThat(received.entryIds()).containsExactlyElementsOf(ids);
		assertThat(received.deliveryCounts()).containsOnly(1);
	}

	/**
	 * Attacks taking pending entries in bulk: a claim that took all idle entries of a dead consumer at once
	 * (XCLAIM/XAUTOCLAIM of the whole page) would move them to the new owner and charge each while the
	 * handler holds only the first one.
	 */
	@Test
	void pendingEntriesOfADeadConsumerAreTakenOneAtATime() {
		String stream = stream("dead");
		String group = "takeover";
		redis.redis().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
		List<String> ids = addEntries(stream, 4);
		redis.redis()
			.xreadgroup(io.lettuce.core.Consumer.from(group, "dead"), XReadArgs.Builder.count(10),
					XReadArgs.StreamOffset.lastConsumed(stream));
		// earlier deliveries the dead consumer had: 1, 2, 3 and 1
		List<Integer> before = List.of(1, 2, 3, 1);
		for (int i = 0; i < ids.size(); i++) {
			redis.redis()
				.xclaim(stream, io.lettuce.core.Consumer.from(group, "dead"), XClaimArgs.Builder.justid().retryCount(before.get(i)),
						ids.get(i));
		}
		assertThat(counters(stream, group)).containsExactlyEntriesOf(ordered(ids, 1, 2, 3, 1));

		Gate gate = new Gate(1);
		Received received = new Received(gate);
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(stream + "-in");
		properties.getExtension().setClaimIdleTime(Duration.ofMillis(500));
		properties.getExtension().setClaimInterval(Duration.ofMillis(100));
		consume(stream, group, properties, received);

		try {
			gate.awaitReached();
			assertThat(received.entryIds()).containsExactly(ids.get(0));
			List<PendingMessage> pending = redis.pending(stream, group);
			assertThat(pending).extracting(PendingMessage::getId).containsExactlyElementsOf(ids);
			assertThat(pending.get(0).getConsumer()).isEqualTo(INSTANCE_ID + "-0");
			assertThat(pending.subList(1, 4)).as("entries not taken yet")
				.allSatisfy((entry) -> assertThat(entry.getConsumer()).isEqualTo("dead"));
			assertThat(counters(stream, group)).as("delivery counters while the handler holds the first entry")
				.containsExactlyEntriesOf(ordered(ids, 2, 2, 3, 1));
		}
		finally {
			gate.open();
		}
		await().atMost(TIMEOUT).until(() -> received.count() == 4 && redis.pending(stream, group).isEmpty());
		assertThat(received.entryIds()).containsExactlyElementsOf(ids);
		assertThat(received.deliveryCounts()).containsExactly(2, 3, 4, 2);
	}

	/**
	 * Attacks the failure of an entry whose counter was set back to 0 because it waited in its batch: the
	 * failure must record the handler's delivery (1), or the entry would be delivered max-deliveries + 1
	 * times. The handler of the next entry holds the consumer while the counter is checked.
	 */
	@Test
	void failureOfAnEntryThatWaitedInItsBatchIsCharged() {
		String stream = stream("failure");
		String group = "fragile";
		List<String> ids = addEntries(stream, 5);
		String poison = ids.get(2);
		CountDownLatch nextReached = new CountDownLatch(1);
		CountDownLatch nextRelease = new CountDownLatch(1);
		Received received = new Received((message) -> {
			String id = (String) message.getHeaders().get(RedisStreamHeaders.ENTRY_ID);
			if (poison.equals(id)) {
				throw new IllegalStateException("cannot process " + id);
			}
			if (ids.get(3).equals(id) && nextReached.getCount() > 0) {
				nextReached.countDown();
				awaitQuietly(nextRelease);
			}
		});
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(stream + "-in");
		properties.setMaxAttempts(1);
		properties.getExtension().setReadCount(10);
		properties.getExtension().setMaxDeliveries(3);
		properties.getExtension().setClaimIdleTime(Duration.ofMillis(500));
		properties.getExtension().setClaimInterval(Duration.ofMillis(100));
		consume(stream, group, properties, received);

		try {
			await().atMost(TIMEOUT).until(() -> nextReached.getCount() == 0);
			assertThat(redis.pending(stream, group)).filteredOn((entry) -> entry.getId().equals(poison))
				.singleElement()
				.satisfies((entry) -> assertThat(entry.getRedeliveryCount()).as("counter after the first failure")
					.isEqualTo(1));
		}
		finally {
			nextRelease.countDown();
		}

		String deadLetters = StreamKeys.deadLetterStream(stream, group);
		await().atMost(TIMEOUT).until(() -> redis.exists(deadLetters) && redis.length(deadLetters) == 1);
		StreamMessage<String, String> deadLetter = redis.entries(deadLetters).get(0);
		assertThat(deadLetter.getBody()).containsEntry(DeadLetterFields.ORIGINAL_ID, poison)
			.containsEntry(DeadLetterFields.DELIVERY_COUNT, "3");
		await().atMost(TIMEOUT).until(() -> redis.pending(stream, group).isEmpty());
		assertThat(received.deliveriesOf(poison)).containsExactly(1, 2, 3);
		for (String id : ids) {
			if (!id.equals(poison)) {
				assertThat(received.deliveriesOf(id)).as("deliveries of %s", id).containsExactly(1);
			}
		}
	}

	// --- helpers --------------------------------------------------------------------------------

	private static String stream(String name) {
		return keys.unique("delivery-count-" + name);
	}

	private static List<String> addEntries(String stream, int count) {
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			ids.add(redis.add(stream, Map.of("payload", "entry-" + i)));
		}
		return ids;
	}

	private static void consume(String stream, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties, Received received) {
		BoundChannel input = harness.bindConsumer(stream, group, properties);
		input.channel().subscribe(received::handle);
	}

	/**
	 * Delivery counters of the pending entries, by id in id order.
	 */
	private static Map<String, Long> counters(String stream, String group) {
		Map<String, Long> counters = new LinkedHashMap<>();
		for (PendingMessage entry : redis.pending(stream, group)) {
			counters.put(entry.getId(), entry.getRedeliveryCount());
		}
		return counters;
	}

	private static Map<String, Long> ordered(List<String> ids, long... counts) {
		Map<String, Long> map = new LinkedHashMap<>();
		IntStream.range(0, ids.size()).forEach((i) -> map.put(ids.get(i), counts[i]));
		return map;
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
	 * Holds the handler on the n-th delivery until opened.
	 */
	static final class Gate implements Consumer<Message<byte[]>> {

		private final int holdAt;

		private final CountDownLatch reached = new CountDownLatch(1);

		private final CountDownLatch open = new CountDownLatch(1);

		private int seen;

		Gate(int holdAt) {
			this.holdAt = holdAt;
		}

		@Override
		public void accept(Message<byte[]> message) {
			if (++this.seen == this.holdAt) {
				this.reached.countDown();
				awaitQuietly(this.open);
			}
		}

		void awaitReached() {
			await().atMost(TIMEOUT).until(() -> this.reached.getCount() == 0);
		}

		void open() {
			this.open.countDown();
		}

	}

	/**
	 * Records every delivery to the handler, then behaves as told.
	 */
	static final class Received {

		private final List<Message<byte[]>> messages = new CopyOnWriteArrayList<>();

		private final Consumer<Message<byte[]>> behaviour;

		Received(Consumer<Message<byte[]>> behaviour) {
			this.behaviour = behaviour;
		}

		void handle(Message<?> message) {
			@SuppressWarnings("unchecked")
			Message<byte[]> bytes = (Message<byte[]>) message;
			this.messages.add(bytes);
			this.behaviour.accept(bytes);
		}

		int count() {
			return this.messages.size();
		}

		List<String> entryIds() {
			return this.messages.stream().map((message) -> (String) message.getHeaders().get(RedisStreamHeaders.ENTRY_ID))
				.toList();
		}

		List<Object> deliveryCounts() {
			return this.messages.stream().map((message) -> message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT))
				.toList();
		}

		List<Object> deliveriesOf(String id) {
			return this.messages.stream()
				.filter((message) -> id.equals(message.getHeaders().get(RedisStreamHeaders.ENTRY_ID)))
				.map((message) -> message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT))
				.toList();
		}

	}

}
