package io.github.redisstreams.binder.partitioning;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;

import io.github.redisstreams.binder.inbound.PartitionedConsumerContainer;
import io.github.redisstreams.binder.inbound.RedisStreamInboundChannelAdapter;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An owner that stalls (a long GC pause, Redis unreachable) past its partition's lease while it holds a batch of
 * entries in memory. The attack: the lease passes to another owner during the stall; an owner that resumed with
 * the rest of its batch would process entries the new owner reads too, beside it and out of order.
 */
@ExtendWith(RedisExtension.class)
class PartitionLeaseFencingTests {

	private static final String BINDING = "fenced-in";

	private static final Duration LEASE = Duration.ofMillis(900);

	@Test
	void anOwnerWhoseLeaseLapsedDuringAHandlerStartsNoMoreEntriesOfItsBatch(StreamInspector redis, TestKeys keys)
			throws Exception {
		String destination = keys.unique("fenced");
		String partitionStream = destination + "-0";
		for (int i = 1; i <= 5; i++) {
			redis.redis().xadd(partitionStream, "payload", String.valueOf(i));
		}
		List<String> handled = new CopyOnWriteArrayList<>();
		AtomicReference<PartitionBalancer> balancer = new AtomicReference<>();
		try (RedisBinderHarness harness = start("5s")) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(BINDING);
			properties.setPartitioned(true);
			properties.setMaxAttempts(1);
			RedisBinderHarness.BoundChannel bound = harness.bindConsumer(destination, "fenced", properties);
			bound.channel().subscribe((message) -> {
				String payload = new String((byte[]) message.getPayload(), StandardCharsets.UTF_8);
				handled.add(payload);
				if (payload.equals("1")) {
					stallPastTheLease(await().atMost(Duration.ofSeconds(10)).until(balancer::get, (b) -> b != null),
							PartitionKeys.lease(partitionStream, "fenced"), LEASE.plusMillis(300));
				}
			});
			RedisStreamInboundChannelAdapter adapter = (RedisStreamInboundChannelAdapter) harness.bindingRegistry()
				.consumers()
				.get(0);
			balancer.set(((PartitionedConsumerContainer) adapter.getContainer()).getBalancer());

			// the owner notices the loss at its next renewal, and its consumer stops
			await().atMost(Duration.ofSeconds(15)).until(() -> handled.contains("1")
					&& balancer.get().ownership().owned().isEmpty() && adapter.liveConsumers() == 0);
			assertThat(handled).as("entries started after the lease lapsed").containsExactly("1");
			// the rest of the batch went back to the group at once, for the new owner
			assertThat(redis.pending(partitionStream, "fenced")).hasSize(4);
		}
	}

	@Test
	void anEntryTakenByAnotherConsumerWhileItsHandlerFailedStopsTheBatchBehindIt(StreamInspector redis,
			TestKeys keys) {
		String destination = keys.unique("taken");
		String partitionStream = destination + "-0";
		List<String> ids = new CopyOnWriteArrayList<>();
		for (int i = 1; i <= 4; i++) {
			ids.add(redis.redis().xadd(partitionStream, "payload", String.valueOf(i)));
		}
		List<String> handled = new CopyOnWriteArrayList<>();
		try (RedisBinderHarness harness = start("5s")) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(BINDING);
			properties.setPartitioned(true);
			properties.setMaxAttempts(1);
			harness.bindConsumer(destination, "fenced", properties).channel().subscribe((message) -> {
				String payload = new String((byte[]) message.getPayload(), StandardCharsets.UTF_8);
				if (payload.equals("1") && !handled.contains("1 failed")) {
					handled.add("1 failed");
					// another consumer takes the entry meanwhile: its failure cannot be recorded by this one
					redis.redis().xclaim(partitionStream, io.lettuce.core.Consumer.from("fenced", "intruder"),
							io.lettuce.core.XClaimArgs.Builder.minIdleTime(0), ids.get(0));
					throw new IllegalStateException("entry 1 fails");
				}
				handled.add(payload);
			});

			// the entries behind it wait until the intruder's entry is taken over (idle for the lease time)
			await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() >= 5);
			assertThat(handled).containsExactly("1 failed", "1", "2", "3", "4");
		}
	}

	@Test
	void anEntryInHandIsRenewedOftenEnoughThatTheTakeoverTimeNeverPassesWhileItsHandlerRuns(StreamInspector redis,
			TestKeys keys) throws Exception {
		String destination = keys.unique("renewed");
		String partitionStream = destination + "-0";
		CountDownLatch inHandler = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		// claim-idle-time far above the lease time: renewing every third of it would let the entry look abandoned
		try (RedisBinderHarness harness = start("30s")) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(BINDING);
			properties.setPartitioned(true);
			properties.setMaxAttempts(1);
			harness.bindConsumer(destination, "fenced", properties).channel().subscribe((message) -> {
				inHandler.countDown();
				try {
					release.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			redis.redis().xadd(partitionStream, "payload", "slow");
			assertThat(inHandler.await(15, TimeUnit.SECONDS)).isTrue();
			try {
				await().during(LEASE.multipliedBy(2)).atMost(LEASE.multipliedBy(4))
					.until(() -> redis.pending(partitionStream, "fenced").get(0).getMsSinceLastDelivery() < LEASE.toMillis());
			}
			finally {
				release.countDown();
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> redis.pending(partitionStream, "fenced").isEmpty());
		}
	}

	@Test
	void aBatchStopsGatheringAndIsHandledOnlyWhileTheLeaseIsSurelyValid(StreamInspector redis, TestKeys keys)
			throws Exception {
		String destination = keys.unique("fenced-batch");
		String partitionStream = destination + "-0";
		List<Long> handledAt = new CopyOnWriteArrayList<>();
		// a batch waits up to 2 s for 10 entries: longer than the lease
		try (RedisBinderHarness harness = start("5s", "batch-min-count=10", "batch-max-wait=2s")) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties(BINDING);
			properties.setPartitioned(true);
			properties.setBatchMode(true);
			properties.setMaxAttempts(1);
			harness.bindConsumer(destination, "fenced", properties).channel()
				.subscribe((message) -> handledAt.add(System.nanoTime()));
			RedisStreamInboundChannelAdapter adapter = (RedisStreamInboundChannelAdapter) harness.bindingRegistry()
				.consumers()
				.get(0);
			PartitionBalancer balancer = ((PartitionedConsumerContainer) adapter.getContainer()).getBalancer();
			await().atMost(Duration.ofSeconds(15)).until(() -> adapter.liveConsumers() == 1);

			long stallStart;
			String late;
			synchronized (balancer) {
				stallStart = System.nanoTime();
				// the stall starts as the entry comes
				redis.redis().xadd(partitionStream, "payload", "1");
				stallPastTheLease(balancer, PartitionKeys.lease(partitionStream, "fenced"), LEASE.plusMillis(300));
				// an entry that comes once the lease may have lapsed, while the batch still waits for more
				late = redis.redis().xadd(partitionStream, "payload", "2");
				stallPastTheLease(balancer, PartitionKeys.lease(partitionStream, "fenced"), Duration.ofMillis(1200));
			}

			await().atMost(Duration.ofSeconds(15))
				.until(() -> balancer.ownership().owned().isEmpty() && adapter.liveConsumers() == 0);
			assertThat(redis.pending(partitionStream, "fenced")).as("entries read")
				.noneMatch((entry) -> entry.getId().equals(late));
			// gathered, at most, until the lease could lapse (not for the whole batch-max-wait of 2 s); handled then,
			// or handed back. The bound leaves the handler's thread one more lease time to be scheduled on a busy
			// machine.
			assertThat(handledAt).allSatisfy((at) -> assertThat(Duration.ofNanos(at - stallStart))
				.as("batch handled after the stall started").isLessThan(LEASE.multipliedBy(2)));
		}
	}

	private static RedisBinderHarness start(String claimIdleTime, String... more) {
		String redisPrefix = "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.";
		List<String> args = new java.util.ArrayList<>(List.of("--spring.cloud.stream.redis.binder.instance-id=a",
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.partitioned=true",
				"--spring.cloud.stream.bindings." + BINDING + ".group=fenced",
				redisPrefix + "partition-assignment=dynamic", redisPrefix + "partition-count=1",
				redisPrefix + "partition-lease-time=" + LEASE.toMillis() + "ms",
				redisPrefix + "claim-idle-time=" + claimIdleTime, redisPrefix + "block-timeout=100ms"));
		for (String property : more) {
			args.add(redisPrefix + property);
		}
		return RedisBinderHarness.start(args.toArray(String[]::new));
	}

	/**
	 * Blocks the balancer's renewals (as a pause of the whole process does) while another owner takes the lease,
	 * until the lease time has passed.
	 */
	private static void stallPastTheLease(PartitionBalancer balancer, String leaseKey, Duration stall) {
		synchronized (balancer) {
			io.github.redisstreams.binder.test.RedisTestSupport.commands().set(leaseKey, "other@1",
					io.lettuce.core.SetArgs.Builder.px(60_000));
			try {
				// the stall itself, not a wait for an outcome
				Thread.sleep(stall.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
