package io.github.redisstreams.binder.partitioning;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shares every member computes alone from the same member list must add up to the partition count, differ
 * by at most one, and not depend on the order the list came in.
 */
class FairShareTests {

	@Test
	void sharesAddUpToThePartitionCountAndDifferByAtMostOne() {
		for (int partitions = 1; partitions <= 40; partitions++) {
			for (int memberCount = 1; memberCount <= 13; memberCount++) {
				List<String> members = new ArrayList<>();
				for (int m = 0; m < memberCount; m++) {
					members.add("instance-" + (char) ('a' + m) + "-0");
				}
				List<String> shuffled = new ArrayList<>(members);
				Collections.shuffle(shuffled);
				int total = 0;
				int min = Integer.MAX_VALUE;
				int max = 0;
				for (String member : members) {
					int share = FairShare.of(partitions, shuffled, member);
					assertThat(share).as("same share whatever the order of the list")
						.isEqualTo(FairShare.of(partitions, members, member));
					total += share;
					min = Math.min(min, share);
					max = Math.max(max, share);
				}
				assertThat(total).as("%d partitions among %d members", partitions, memberCount).isEqualTo(partitions);
				assertThat(max - min).isLessThanOrEqualTo(1);
				assertThat(max).isEqualTo((partitions + memberCount - 1) / memberCount);
			}
		}
	}

	@Test
	void twelvePartitionsAmongThreeFourAndTwoMembers() {
		assertThat(List.of("a", "b", "c").stream().map((m) -> FairShare.of(12, List.of("c", "a", "b"), m)))
			.containsExactly(4, 4, 4);
		assertThat(List.of("a", "b", "c", "d").stream().map((m) -> FairShare.of(12, List.of("d", "c", "a", "b"), m)))
			.containsExactly(3, 3, 3, 3);
		assertThat(List.of("a", "b").stream().map((m) -> FairShare.of(12, List.of("b", "a"), m))).containsExactly(6, 6);
		assertThat(List.of("a", "b", "c", "d", "e").stream().map((m) -> FairShare.of(12, List.of("a", "b", "c", "d", "e"), m)))
			.containsExactly(3, 3, 2, 2, 2);
	}

	@Test
	void aMemberMissingFromTheListOwnsNothing() {
		assertThat(FairShare.of(12, List.of("a", "b"), "c")).isZero();
		assertThat(FairShare.of(12, List.of(), "c")).isZero();
	}

	@Test
	void preferredOrderCoversEveryPartitionOnceStartingAtTheMembersSlice() {
		List<String> members = List.of("a", "b", "c");
		Set<Integer> starts = new HashSet<>();
		for (String member : members) {
			List<Integer> order = FairShare.preferredOrder(12, members, member);
			assertThat(order).hasSize(12).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(
					List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
			starts.add(order.get(0));
		}
		assertThat(starts).containsExactlyInAnyOrder(0, 4, 8);
	}

}
