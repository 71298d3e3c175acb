package io.github.redisstreams.binder.connection;

import java.util.EnumSet;
import java.util.List;
import java.util.stream.IntStream;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which reads the binder gives up on a topology change: only those sent to a master that failed and no longer
 * serves their slot, never those sent to a live node.
 */
class ClusterSlotMovesTests {

	@Test
	void aReadSentToAFailedMasterWhoseSlotsItsReplicaTookOverIsGivenUp() {
		List<RedisClusterNode> after = List.of(node("a", -1, -1, NodeFlag.UPSTREAM, NodeFlag.FAIL),
				node("b", 100, 199, NodeFlag.UPSTREAM), node("a-replica", 0, 99, NodeFlag.UPSTREAM));
		ClusterSlotMoves.FailedOwners failed = ClusterSlotMoves.FailedOwners.of(after);
		assertThat(failed.test(0, "a")).isTrue();
		assertThat(failed.test(99, "a")).isTrue();
		// the same change reported again (the application's client): the reads now go to the new owner
		assertThat(failed.test(0, "a-replica")).isFalse();
		assertThat(failed.test(100, "b")).isFalse();
	}

	@Test
	void aReadSentToALiveMasterIsNot() {
		// a slot moved, a manual failover: the former owner is alive and answers the read by itself
		List<RedisClusterNode> after = List.of(node("a", 0, 98, NodeFlag.REPLICA), node("b", 99, 199, NodeFlag.UPSTREAM));
		assertThat(ClusterSlotMoves.FailedOwners.of(after).test(99, "a")).isFalse();
	}

	@Test
	void aMasterThatVanishedFromTheTopologyCountsAsFailed() {
		List<RedisClusterNode> after = List.of(node("b", 0, 19, NodeFlag.UPSTREAM));
		assertThat(ClusterSlotMoves.FailedOwners.of(after).test(5, "a")).isTrue();
	}

	private static RedisClusterNode node(String id, int from, int to, NodeFlag... flags) {
		List<Integer> slots = (from < 0) ? List.of() : IntStream.rangeClosed(from, to).boxed().toList();
		return new RedisClusterNode(RedisURI.create("127.0.0.1", 7000 + id.length()), id, true, null, 0, 0, 0, slots,
				EnumSet.of(flags[0], flags));
	}

}
