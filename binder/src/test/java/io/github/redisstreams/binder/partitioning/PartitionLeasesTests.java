package io.github.redisstreams.binder.partitioning;

import java.time.Duration;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lease script and the member list against a real Redis. The attacks: a second owner taking a held lease, an
 * owner whose lease expired (and was taken by another) renewing or releasing it, members that stopped beating
 * staying in the list.
 */
@ExtendWith({ RedisExtension.class, OutputCaptureExtension.class })
class PartitionLeasesTests {

	private static final Duration LEASE = Duration.ofMillis(400);

	private StreamInspector redis;

	private LettuceConnectionFactory factory;

	private RedisStreamConnections connections;

	private StreamCommands commands;

	private String stream;

	@BeforeEach
	void connect(StreamInspector inspector, TestKeys keys) {
		this.redis = inspector;
		this.stream = keys.unique("leases");
		this.factory = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(RedisTestSupport.redisUrl()));
		this.factory.afterPropertiesSet();
		this.connections = new RedisStreamConnections(this.factory);
		this.commands = this.connections.shared();
	}

	@AfterEach
	void close() {
		this.connections.destroy();
		this.factory.destroy();
	}

	@Test
	void twoLiveInstancesWithOneMemberNameAreReportedButNotARestartAfterACrash(CapturedOutput output) {
		// a crashed run of member c-0 left its lease; the restarted run takes it once expired, with no error
		String crashed = this.stream + "-1";
		assertThat(leases("c-0@old").take(crashed)).isTrue();
		PartitionLeases restarted = leases("c-0@new");
		await().atMost(LEASE.multipliedBy(5)).until(() -> restarted.take(crashed));

		// two live runs of member d-0: one holds and renews, the other keeps finding it held
		String shared = this.stream + "-2";
		PartitionLeases first = leases("d-0@1");
		PartitionLeases second = leases("d-0@2");
		assertThat(first.take(shared)).isTrue();
		await().atMost(LEASE.multipliedBy(5)).until(() -> {
			assertThat(first.renew(shared)).isTrue();
			assertThat(second.take(shared)).isFalse();
			return output.getOut().contains("Another live instance uses the member name 'd-0'");
		});
		assertThat(output.getOut()).doesNotContain("member name 'c-0'");
	}

	@Test
	void aHeldLeaseCannotBeTakenAndOnlyItsOwnerRenewsOrReleasesIt() {
		String partition = this.stream + "-3";
		PartitionLeases a = leases("a@1");
		PartitionLeases b = leases("b@1");

		assertThat(a.take(partition)).isTrue();
		assertThat(b.take(partition)).as("held by a").isFalse();
		assertThat(b.renew(partition)).as("b never held it").isFalse();
		assertThat(b.release(partition)).as("b cannot delete a's lease").isFalse();
		assertThat(b.owner(partition)).isEqualTo("a@1");
		assertThat(this.redis.redis().pttl(PartitionKeys.lease(partition, "g"))).isBetween(1L, LEASE.toMillis());

		assertThat(a.renew(partition)).isTrue();
		assertThat(a.take(partition)).as("taking a lease one holds renews it").isTrue();
		assertThat(a.release(partition)).isTrue();
		assertThat(a.owner(partition)).isEmpty();
		assertThat(b.take(partition)).as("free again").isTrue();
		assertThat(b.owner(partition)).isEqualTo("b@1");
	}

	@Test
	void anOwnerWhoseLeaseExpiredCanNeitherRenewNorReleaseWhatAnotherTookSince() {
		String partition = this.stream + "-0";
		PartitionLeases stale = leases("a@1");
		PartitionLeases next = leases("b@1");
		assertThat(stale.take(partition)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> next.take(partition));

		assertThat(stale.renew(partition)).as("expired: the renewal must fail").isFalse();
		assertThat(stale.release(partition)).as("expired: the release must not delete b's lease").isFalse();
		assertThat(next.owner(partition)).isEqualTo("b@1");
		assertThat(next.renew(partition)).isTrue();
	}

	@Test
	void anExpiredLeaseIsNotRenewedEvenWhenNobodyTookIt() {
		// the owner must learn that it lost the partition: another owner may have taken and released it meanwhile
		String partition = this.stream + "-1";
		PartitionLeases owner = leases("a@1");
		assertThat(owner.take(partition)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> owner.owner(partition).isEmpty());

		assertThat(owner.renew(partition)).isFalse();
		assertThat(owner.owner(partition)).isEmpty();
	}

	@Test
	void theLeaseLivesInThePartitionStreamsSlot() {
		String partition = this.stream + "-7";
		assertThat(SlotHash.getSlot(PartitionKeys.lease(partition, "g"))).isEqualTo(SlotHash.getSlot(partition));
		assertThat(SlotHash.getSlot(PartitionKeys.lease("shop:{orders}-7", "g")))
			.isEqualTo(SlotHash.getSlot("shop:{orders}-7"));
		assertThat(SlotHash.getSlot(PartitionKeys.members(this.stream, "g"))).isEqualTo(SlotHash.getSlot(this.stream));
	}

	@Test
	void membersThatStopBeatingLeaveTheListAfterTheirTimeToLive() {
		GroupMembership membership = new GroupMembership(this.commands, this.stream, "g", LEASE);
		assertThat(membership.beat("a-0")).containsExactly("a-0");
		assertThat(membership.beat("b-0")).containsExactlyInAnyOrder("a-0", "b-0");
		assertThat(membership.beat("c-0")).containsExactlyInAnyOrder("a-0", "b-0", "c-0");

		// a and c keep beating, b stops
		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
			membership.beat("a-0");
			return !membership.beat("c-0").contains("b-0");
		});
		assertThat(membership.beat("a-0")).containsExactlyInAnyOrder("a-0", "c-0");

		assertThat(membership.leave("c-0")).as("a member leaving is gone at once").containsExactly("a-0");
		assertThat(this.redis.redis().pttl(PartitionKeys.members(this.stream, "g"))).as("the list expires when "
				+ "nobody beats").isBetween(1L, 2 * LEASE.toMillis());
	}

	private PartitionLeases leases(String token) {
		return new PartitionLeases(this.commands, "g", token, LEASE);
	}

}
