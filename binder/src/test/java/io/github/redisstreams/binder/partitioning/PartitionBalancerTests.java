package io.github.redisstreams.binder.partitioning;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/**
 * One instance's balancer against a real Redis, run by hand (one {@link PartitionBalancer#balance()} at a time)
 * with a recording stand-in for the partitions' consumers. The attacks: a lease taken away behind the balancer's
 * back, a renewal that stops, a member joining.
 */
@ExtendWith(RedisExtension.class)
class PartitionBalancerTests {

	/** Long enough that the runs of a test, by hand on a busy machine, never miss a renewal. */
	private static final Duration LEASE = Duration.ofSeconds(10);

	/** For the test that lets a lease age. */
	private static final Duration SHORT_LEASE = Duration.ofMillis(600);

	private static final int PARTITIONS = 4;

	private LettuceConnectionFactory factory;

	private RedisStreamConnections connections;

	private StreamCommands commands;

	private String stream;

	private final Recorder consumers = new Recorder();

	private final Map<String, Integer> changes = new ConcurrentHashMap<>();

	private PartitionBalancer balancer;

	private ConsumerMetrics metrics;

	@BeforeEach
	void connect(StreamInspector inspector, TestKeys keys) {
		this.stream = keys.unique("balancer");
		this.factory = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(RedisTestSupport.redisUrl()));
		this.factory.afterPropertiesSet();
		this.connections = new RedisStreamConnections(this.factory);
		this.commands = this.connections.shared();
		ConsumerMetrics metrics = new ConsumerMetrics() {
			@Override
			public void partitionOwnershipChanged(String change) {
				PartitionBalancerTests.this.changes.merge(change, 1, Integer::sum);
			}
		};
		this.metrics = metrics;
		this.balancer = balancer(LEASE);
	}

	private PartitionBalancer balancer(Duration lease) {
		return new PartitionBalancer(this.stream, "g", PARTITIONS, "m-0",
				new PartitionLeases(this.commands, "g", "m-0@1", lease),
				new GroupMembership(this.commands, this.stream, "g", lease), lease, this.metrics, this.consumers);
	}

	@AfterEach
	void close() {
		this.balancer.stop(Long.MAX_VALUE);
		this.connections.destroy();
		this.factory.destroy();
	}

	@Test
	void firstJoinsThenTakesItsShareAndReadsOnlyWhileTheLeaseIsSurelyValid() {
		this.balancer = balancer(SHORT_LEASE);
		this.balancer.balance();
		assertThat(this.consumers.started).as("the first run only joins").isEmpty();

		this.balancer.balance();
		assertThat(this.consumers.started).containsExactlyInAnyOrder(0, 1, 2, 3);
		assertThat(this.balancer.ownership().owned()).containsExactly(0, 1, 2, 3);
		assertThat(this.changes).containsEntry("taken", 4);
		assertThat(this.balancer.mayRead(2, SHORT_LEASE)).as("a read as long as the lease could outlive it").isFalse();

		// no renewal: whenever a read of 100 ms is allowed, the lease lives in Redis at least that long
		Duration read = Duration.ofMillis(100);
		String key = PartitionKeys.lease(this.stream + "-2", "g");
		int allowed = 0;
		long deadline = System.nanoTime() + SHORT_LEASE.multipliedBy(2).toNanos();
		boolean stopped = false;
		while (!stopped && System.nanoTime() < deadline) {
			long asked = System.nanoTime();
			boolean mayRead = this.balancer.mayRead(2, read);
			long ttl = RedisTestSupport.commands().pttl(key);
			long elapsedMillis = (System.nanoTime() - asked) / 1_000_000;
			if (mayRead) {
				allowed++;
				assertThat(ttl + elapsedMillis).as("lease time left when a read was allowed").isGreaterThanOrEqualTo(
						read.toMillis());
			}
			stopped = !mayRead;
		}
		assertThat(stopped).as("reading stopped before the lease could expire").isTrue();
		assertThat(allowed).isPositive();
		this.balancer.balance();
		assertThat(this.balancer.ownership().owned()).as("renewed in time, or lost and taken again")
			.containsExactly(0, 1, 2, 3);
	}

	@Test
	void aLeaseTakenAwayIsLostAndItsConsumerRevokedAtTheNextRun() {
		this.balancer.balance();
		this.balancer.balance();
		// expired and taken by another instance meanwhile (as after a long pause of this one)
		PartitionLeases other = new PartitionLeases(this.commands, "g", "n-0@1", Duration.ofSeconds(30));
		this.commands.del(PartitionKeys.lease(this.stream + "-1", "g"));
		assertThat(other.take(this.stream + "-1")).isTrue();

		this.balancer.balance();

		assertThat(this.consumers.revoked).containsExactly(1);
		assertThat(this.changes).containsEntry("lost", 1);
		assertThat(this.balancer.mayRead(1, Duration.ofMillis(1))).isFalse();
		assertThat(leaseOwner(1)).as("the other owner's lease is untouched").isEqualTo("n-0@1");
		assertThat(this.balancer.ownership().owned()).containsExactly(0, 2, 3);
	}

	@Test
	void aStopThatEndsAfterALaterStartChangesNothing() {
		this.balancer.start("balancer-test", 3);
		// the binding's stop before that start (its consumers finishing) calls the balancer only now
		this.balancer.stopTaking(2);
		this.balancer.stop(2);

		this.balancer.balance();
		this.balancer.balance();

		assertThat(this.consumers.started).containsExactlyInAnyOrder(0, 1, 2, 3);
		assertThat(this.balancer.ownership().owned()).containsExactly(0, 1, 2, 3);
		for (int partition = 0; partition < PARTITIONS; partition++) {
			assertThat(leaseOwner(partition)).isEqualTo("m-0@1");
		}
	}

	@Test
	void theOwnershipIsReportedWhileARunWaitsForRedis() throws Exception {
		this.balancer.balance();
		this.balancer.balance();
		CountDownLatch running = new CountDownLatch(1);
		CountDownLatch done = new CountDownLatch(1);
		// a run under way holds the balancer's lock (as one waiting for an unreachable Redis does)
		Thread run = new Thread(() -> {
			synchronized (this.balancer) {
				running.countDown();
				try {
					done.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		});
		run.start();
		try {
			assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
			PartitionBalancer.Ownership ownership = assertTimeoutPreemptively(Duration.ofSeconds(2),
					() -> this.balancer.ownership());
			assertThat(ownership.owned()).containsExactly(0, 1, 2, 3);
			assertThat(ownership.members()).containsExactly("m-0");
		}
		finally {
			done.countDown();
			run.join();
		}
	}

	@Test
	void withRedisGoneARunWaitsAThirdOfTheLeaseTimeAtMostAndTheLeasesAreGivenUpInTime() {
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort()) {
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					LettuceConnectionFactory.createRedisConfiguration(server.url()));
			factory.afterPropertiesSet();
			RedisStreamConnections connections = new RedisStreamConnections(factory);
			StreamCommands commands = connections.shared();
			PartitionBalancer balancer = new PartitionBalancer(this.stream, "g", PARTITIONS, "m-0",
					new PartitionLeases(commands, "g", "m-0@1", SHORT_LEASE),
					new GroupMembership(commands, this.stream, "g", SHORT_LEASE), SHORT_LEASE, this.metrics,
					this.consumers);
			try {
				balancer.balance();
				balancer.balance();
				assertThat(balancer.ownership().owned()).containsExactly(0, 1, 2, 3);

				server.kill();

				// the connection's command timeout is a minute: a run must not wait for it
				assertTimeoutPreemptively(SHORT_LEASE.multipliedBy(2), balancer::balance);
				await().atMost(SHORT_LEASE.multipliedBy(4)).untilAsserted(() -> {
					assertTimeoutPreemptively(SHORT_LEASE.multipliedBy(2), balancer::balance);
					assertThat(this.consumers.revoked).containsExactlyInAnyOrder(0, 1, 2, 3);
				});
				assertThat(balancer.ownership().owned()).isEmpty();
			}
			finally {
				connections.destroy();
				factory.destroy();
			}
		}
	}

	@Test
	void aJoiningMemberGetsPartitionsHandedOverOnlyOnceTheirConsumersFinished() {
		this.balancer.balance();
		this.balancer.balance();
		GroupMembership membership = new GroupMembership(this.commands, this.stream, "g", Duration.ofSeconds(30));
		membership.beat("z-0");

		this.balancer.balance();

		assertThat(this.consumers.handingOver).hasSize(2);
		List<Integer> handedOver = new ArrayList<>(this.consumers.handingOver.keySet());
		assertThat(this.balancer.ownership().handingOver()).containsExactlyInAnyOrderElementsOf(handedOver);
		assertThat(this.balancer.ownership().share()).isEqualTo(2);
		// still held (and renewed) until the consumer finished
		this.balancer.balance();
		for (int partition : handedOver) {
			assertThat(leaseOwner(partition)).isEqualTo("m-0@1");
		}

		this.consumers.handingOver.values().forEach(Runnable::run);

		for (int partition : handedOver) {
			assertThat(leaseOwner(partition)).as("released for the joining member").isNull();
		}
		assertThat(this.changes).containsEntry("handed-over", 2);
		assertThat(this.balancer.ownership().owned()).hasSize(2).doesNotContainAnyElementsOf(handedOver);
		membership.leave("z-0");
	}

	private String leaseOwner(int partition) {
		return RedisTestSupport.commands().get(PartitionKeys.lease(this.stream + "-" + partition, "g"));
	}

	private static final class Recorder implements PartitionConsumers {

		final List<Integer> started = new CopyOnWriteArrayList<>();

		final List<Integer> revoked = new CopyOnWriteArrayList<>();

		final Map<Integer, Runnable> handingOver = new ConcurrentHashMap<>();

		@Override
		public void start(int partition) {
			this.started.add(partition);
		}

		@Override
		public void handOver(int partition, Runnable released) {
			this.handingOver.put(partition, released);
		}

		@Override
		public void revoke(int partition) {
			this.revoked.add(partition);
		}

	}

}
