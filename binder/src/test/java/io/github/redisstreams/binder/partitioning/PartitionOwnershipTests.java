package io.github.redisstreams.binder.partitioning;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.cloud.stream.config.BindersHealthIndicatorAutoConfiguration.BindersHealthContributor;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.redisstreams.binder.actuate.RedisStreamEndpoint;
import io.github.redisstreams.binder.actuate.RedisStreamEndpoint.BindingDescriptor;
import io.github.redisstreams.binder.metrics.BinderMeters;
import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dynamic partition assignment between applications in one JVM (a crash needs its own JVM: see
 * {@link PartitionRebalanceJvmTests}). The attack: a second instance joining and then leaving while keyed entries
 * keep coming; a rebalance that let two consumers read one partition at once, or handed a partition over before
 * its entries in hand were acknowledged, would show a key's entries out of order or twice.
 */
@ExtendWith(RedisExtension.class)
class PartitionOwnershipTests {

	private static final String BINDING = "ordered-in";

	private static final int PARTITIONS = 6;

	private static final int KEYS = 24;

	private static final Duration LEASE = Duration.ofMillis(900);

	private final Map<String, List<String>> seen = new ConcurrentHashMap<>();

	private final List<org.springframework.cloud.stream.binder.Binding<?>> bindings = new ArrayList<>();

	@Test
	void aJoiningInstanceGetsItsShareCooperativelyAndALeavingOneHandsItsPartitionsBack(StreamInspector redis,
			TestKeys keys) throws Exception {
		String destination = keys.unique("owned");
		AtomicBoolean producing = new AtomicBoolean(true);
		AtomicInteger produced = new AtomicInteger();
		Thread producer = new Thread(() -> produce(redis, destination, producing, produced));
		try (RedisBinderHarness first = start("first")) {
			bind(first, destination, "first");
			await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertOwned(view(first), PARTITIONS));
			producer.start();
			try (RedisBinderHarness second = start("second")) {
				bind(second, destination, "second");
				await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
					assertOwned(view(first), PARTITIONS / 2);
					assertOwned(view(second), PARTITIONS / 2);
					assertEveryPartitionOwnedBy(first, "first-0", "second-0");
				});
				assertThat(handedOver(first)).as("partitions the first handed over").isEqualTo(PARTITIONS / 2);

				// what health and the endpoint show
				Map<String, Object> health = bindingHealth(second);
				assertThat(health).containsEntry("liveConsumers", PARTITIONS / 2);
				assertThat(health.get("partitions")).asInstanceOf(
						org.assertj.core.api.InstanceOfAssertFactories.MAP)
					.containsEntry("member", "second-0")
					.containsEntry("share", PARTITIONS / 2)
					.containsEntry("liveMembers", List.of("first-0", "second-0"));
				BindingDescriptor described = endpoint(second).bindings().bindings().get(BINDING);
				assertThat(described.partitions()).containsEntry("owned", view(second).get("owned"));
				assertThat((Map<?, ?>) described.partitions().get("owners")).hasSize(PARTITIONS);
				assertThat(healthStatus(first)).isEqualTo(Status.UP);
			}
			// the second left gracefully: its partitions come back at the first's next run, not after the lease
			await().atMost(LEASE.multipliedBy(3)).untilAsserted(() -> assertOwned(view(first), PARTITIONS));
			producing.set(false);
			producer.join();
			int total = produced.get();
			await().atMost(Duration.ofSeconds(20))
				.until(() -> this.seen.values().stream().mapToInt(List::size).sum() >= total);
		}
		finally {
			producing.set(false);
			producer.join();
		}
		int total = produced.get();
		assertThat(total).isGreaterThan(KEYS * 3);
		// no crash: every entry once, each key in order, across both rebalances
		for (Map.Entry<String, List<String>> key : this.seen.entrySet()) {
			List<Integer> sequence = key.getValue().stream().map((seen) -> Integer.parseInt(seen.split("@")[0])).toList();
			List<Integer> expected = new ArrayList<>();
			for (int i = 1; i <= sequence.size(); i++) {
				expected.add(i);
			}
			assertThat(sequence).as("sequence of key %s", key.getKey()).isEqualTo(expected);
		}
		assertThat(this.seen.values().stream().mapToInt(List::size).sum()).isEqualTo(total);
		assertThat(this.seen.values().stream().flatMap(List::stream).map((seen) -> seen.split("@")[1]).distinct())
			.as("both instances consumed").containsExactlyInAnyOrder("first", "second");
	}

	@Test
	void aBindingStoppedAndStartedAgainAtOnceReadsItsPartitionsAgain(StreamInspector redis, TestKeys keys) {
		String destination = keys.unique("restarted");
		try (RedisBinderHarness harness = start("only")) {
			bind(harness, destination, "only");
			await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertOwned(view(harness), PARTITIONS));
			org.springframework.cloud.stream.binder.Binding<?> binding = this.bindings.get(0);

			// started again before the stop gave the leases up (or after): either way every partition is read
			binding.stop();
			binding.start();
			for (int key = 0; key < PARTITIONS; key++) {
				redis.redis().xadd(destination + "-" + key, "payload", "key-" + key + ":1");
			}
			await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
				assertThat(this.seen).hasSize(PARTITIONS);
				assertOwned(view(harness), PARTITIONS);
				assertEveryPartitionOwnedBy(harness, "only-0");
			});
		}
	}

	private void produce(StreamInspector redis, String destination, AtomicBoolean producing, AtomicInteger produced) {
		int[] sequences = new int[KEYS];
		while (producing.get()) {
			for (int key = 0; key < KEYS && producing.get(); key++) {
				int sequence = ++sequences[key];
				redis.redis().xadd(destination + "-" + (key % PARTITIONS), "payload", "key-" + key + ":" + sequence);
				produced.incrementAndGet();
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private static RedisBinderHarness start(String instanceId) {
		String redis = "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.";
		return RedisBinderHarness.start("--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.partitioned=true",
				"--spring.cloud.stream.bindings." + BINDING + ".group=ordered",
				redis + "partition-assignment=dynamic", redis + "partition-count=" + PARTITIONS,
				redis + "partition-lease-time=" + LEASE.toMillis() + "ms", redis + "claim-idle-time=3s",
				redis + "block-timeout=100ms");
	}

	private void bind(RedisBinderHarness harness, String destination, String instance) {
		ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(BINDING);
		properties.setPartitioned(true);
		properties.setMaxAttempts(1);
		RedisBinderHarness.BoundChannel bound = harness.bindConsumer(destination, "ordered", properties);
		this.bindings.add(bound.binding());
		bound.channel().subscribe((message) -> {
			String[] keyAndSequence = new String((byte[]) message.getPayload(), StandardCharsets.UTF_8).split(":");
			this.seen.computeIfAbsent(keyAndSequence[0], (key) -> java.util.Collections.synchronizedList(new ArrayList<>()))
				.add(keyAndSequence[1] + "@" + instance);
		});
	}

	private static Map<String, Object> view(RedisBinderHarness harness) {
		return binding(harness).partitionOwnership();
	}

	private static ConsumerBindingView binding(RedisBinderHarness harness) {
		return harness.bindingRegistry().consumers().get(0);
	}

	private static void assertOwned(Map<String, Object> view, int count) {
		assertThat((List<?>) view.get("owned")).hasSize(count);
		assertThat((List<?>) view.get("handingOver")).isEmpty();
		assertThat(view.get("share")).isEqualTo(count);
	}

	private static void assertEveryPartitionOwnedBy(RedisBinderHarness harness, String... members) {
		Map<Integer, String> owners = binding(harness).partitionOwners();
		assertThat(owners).hasSize(PARTITIONS);
		assertThat(owners.values()).allSatisfy((token) -> assertThat(token.substring(0, token.indexOf('@')))
			.isIn((Object[]) members));
	}

	private static double handedOver(RedisBinderHarness harness) {
		Counter counter = harness.context()
			.getBean(MeterRegistry.class)
			.find(BinderMeters.PARTITION_REBALANCES)
			.tag(BinderMeters.TAG_CHANGE, "handed-over")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> bindingHealth(RedisBinderHarness harness) {
		Health health = health(harness);
		return (Map<String, Object>) ((Map<String, Object>) health.getDetails().get("bindings")).get(BINDING);
	}

	private static Status healthStatus(RedisBinderHarness harness) {
		return health(harness).getStatus();
	}

	private static Health health(RedisBinderHarness harness) {
		HealthIndicator indicator = (HealthIndicator) harness.context()
			.getBean(BindersHealthContributor.class)
			.getContributor("redis");
		return indicator.health();
	}

	private static RedisStreamEndpoint endpoint(RedisBinderHarness harness) {
		return new RedisStreamEndpoint(harness.bindingRegistry(),
				BindingStateReader.withOwnConnection(harness.context().getBean(RedisConnectionFactory.class)), null);
	}

}
