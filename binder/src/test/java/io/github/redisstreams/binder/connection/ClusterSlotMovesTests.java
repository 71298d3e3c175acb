package io.github.redisstreams.binder.connection;

import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.IntStream;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which slots make the binder give up the blocking reads under way: only those taken over from a master that
 * failed, never those of a live former owner.
 */
class ClusterSlotMovesTests {

	@Test
	void slotsOfAFailedMasterTakenOverByItsReplicaAreMoved() {
		List<RedisClusterNode> before = List.of(node("a", 0, 99, NodeFlag.UPSTREAM), node("b", 100, 199, NodeFlag.UPSTREAM),
				node("a-replica", -1, -1, NodeFlag.REPLICA));
		List<RedisClusterNode> after = List.of(node("a", -1, -1, NodeFlag.UPSTREAM, NodeFlag.FAIL),
				node("b", 100, 199, NodeFlag.UPSTREAM), node("a-replica", 0, 99, NodeFlag.UPSTREAM));
		BitSet moved = ClusterSlotMoves.movedSlots(before, after);
		assertThat(moved.cardinality()).isEqualTo(100);
		assertThat(moved.get(0)).isTrue();
		assertThat(moved.get(99)).isTrue();
		assertThat(moved.get(100)).isFalse();
	}

	@Test
	void aSlotMovedFromALiveMasterIsNot() {
		List<RedisClusterNode> before = List.of(node("a", 0, 99, NodeFlag.UPSTREAM), node("b", 100, 199, NodeFlag.UPSTREAM));
		List<RedisClusterNode> after = List.of(node("a", 0, 98, NodeFlag.UPSTREAM), node("b", 99, 199, NodeFlag.UPSTREAM));
		assertThat(ClusterSlotMoves.movedSlots(before, after).isEmpty()).isTrue();
	}

	@Test
	void aManualFailoverLeavesTheFormerMasterAliveAndItsReadsAlone() {
		List<RedisClusterNode> before = List.of(node("a", 0, 99, NodeFlag.UPSTREAM), node("a-replica", -1, -1, NodeFlag.REPLICA));
		List<RedisClusterNode> after = List.of(node("a", -1, -1, NodeFlag.REPLICA), node("a-replica", 0, 99, NodeFlag.UPSTREAM));
		assertThat(ClusterSlotMoves.movedSlots(before, after).isEmpty()).isTrue();
	}

	@Test
	void aMasterThatVanishedFromTheTopologyCountsAsFailed() {
		List<RedisClusterNode> before = List.of(node("a", 0, 9, NodeFlag.UPSTREAM), node("b", 10, 19, NodeFlag.UPSTREAM));
		List<RedisClusterNode> after = List.of(node("b", 0, 19, NodeFlag.UPSTREAM));
		assertThat(ClusterSlotMoves.movedSlots(before, after).cardinality()).isEqualTo(10);
	}

	private static RedisClusterNode node(String id, int from, int to, NodeFlag... flags) {
		List<Integer> slots = (from < 0) ? List.of() : IntStream.rangeClosed(from, to).boxed().toList();
		return new RedisClusterNode(RedisURI.create("127.0.0.1", 7000 + id.length()), id, true, null, 0, 0, 0, slots,
				EnumSet.of(flags[0], flags));
	}

}
