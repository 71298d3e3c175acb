package io.github.redisstreams.binder.partitioning;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.Range;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;

import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.recovery.DeadLetterFields;
import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-key order within a partition when deliveries fail. The attack: an entry whose handler fails (after the
 * in-process retries) must keep its place, delivered again before the entries behind it, until it succeeds or goes
 * to the dead-letter stream; a binding that went on with newer entries and came back to the failed one after
 * claim-idle-time (as a binding that is not partitioned does) would process a key's entries out of order.
 */
@ExtendWith(RedisExtension.class)
class PartitionOrderTests {

	private static final String BINDING = "keyed-in";

	@Test
	void aFailingEntryOfAStaticPartitionKeepsItsPlaceUntilItSucceeds(StreamInspector redis, TestKeys keys) {
		String destination = keys.unique("static-order");
		List<String> handled = new CopyOnWriteArrayList<>();
		try (RedisBinderHarness harness = RedisBinderHarness.start("--spring.cloud.stream.redis.binder.instance-id=s")) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = properties(harness);
			properties.setPartitioned(true);
			properties.setInstanceCount(2);
			properties.setInstanceIndex(1);
			// two threads on one partition would break its order: the binding runs one
			properties.setConcurrency(3);
			bind(harness, destination, properties, handled, 2);
			for (int i = 1; i <= 5; i++) {
				redis.redis().xadd(destination + "-1", "payload", "order:" + i);
			}

			await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() >= 7);
			assertThat(handled).containsExactly("1", "2 failed", "2 failed", "2", "3", "4", "5");
			ConsumerBindingView binding = harness.bindingRegistry().consumers().get(0);
			assertThat(binding.consumerNames()).containsExactly("s-0");
			await().atMost(Duration.ofSeconds(5)).until(() -> redis.pending(destination + "-1", "keyed").isEmpty());
		}
	}

	@Test
	void aFailingEntryOfADynamicPartitionGoesToTheDeadLetterStreamBeforeTheNextIsProcessed(StreamInspector redis,
			TestKeys keys) {
		String destination = keys.unique("dynamic-order");
		List<String> handled = new CopyOnWriteArrayList<>();
		String prefix = "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.";
		try (RedisBinderHarness harness = RedisBinderHarness.start("--spring.cloud.stream.redis.binder.instance-id=d",
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.partitioned=true",
				"--spring.cloud.stream.bindings." + BINDING + ".group=keyed",
				prefix + "partition-assignment=dynamic", prefix + "partition-count=2",
				prefix + "partition-lease-time=600ms")) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = properties(harness);
			properties.setPartitioned(true);
			bind(harness, destination, properties, handled, Integer.MAX_VALUE);
			for (int i = 1; i <= 4; i++) {
				redis.redis().xadd(destination + "-0", "payload", "order:" + i);
			}

			String deadLetters = StreamKeys.deadLetterStream(destination + "-0", "keyed");
			await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() >= 6);
			// max-deliveries 3: the poison entry three times, then the entries behind it
			assertThat(handled).containsExactly("1", "2 failed", "2 failed", "2 failed", "3", "4");
			assertThat(redis.redis().xrange(deadLetters, Range.create("-", "+"))).singleElement()
				.satisfies((deadLetter) -> assertThat(deadLetter.getBody()).containsEntry("payload", "order:2")
					.containsEntry(DeadLetterFields.DELIVERY_COUNT, "3"));
		}
	}

	private static ExtendedConsumerProperties<RedisConsumerProperties> properties(RedisBinderHarness harness) {
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(BINDING);
		properties.setMaxAttempts(1);
		RedisConsumerProperties redis = properties.getExtension();
		redis.setClaimIdleTime(Duration.ofMillis(700));
		redis.setMaxDeliveries(3);
		redis.setReadCount(10);
		return properties;
	}

	/**
	 * Order 2 fails its first {@code failures} deliveries.
	 */
	private static void bind(RedisBinderHarness harness, String destination,
			ExtendedConsumerProperties<RedisConsumerProperties> properties, List<String> handled, int failures) {
		Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
		harness.bindConsumer(destination, "keyed", properties).channel().subscribe((message) -> {
			String order = new String((byte[]) message.getPayload(), StandardCharsets.UTF_8).split(":")[1];
			if (order.equals("2") && attempts.computeIfAbsent(order, (key) -> new AtomicInteger()).incrementAndGet() <= failures) {
				handled.add(order + " failed");
				throw new IllegalStateException("order 2 fails");
			}
			handled.add(order);
		});
	}

}
