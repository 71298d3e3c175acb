package io.github.redisstreams.binder.partitioning;

import java.util.ArrayList;
import java.util.List;

/**
 * How many partitions each live member of a group owns: {@code partitions / members}, and one more for the first
 * {@code partitions % members} members in name order, so that the shares add up to the partition count and
 * every member, reading the same member list, computes the same shares without talking to the others.
 */
public final class FairShare {

	private FairShare() {
	}

	/**
	 * The share of one member.
	 * @param partitions the partition count
	 * @param members the live members (any order)
	 * @param member the member asking; a member not in the list (its heartbeat is late) gets nothing
	 * @return the number of partitions it should own
	 */
	public static int of(int partitions, List<String> members, String member) {
		List<String> sorted = new ArrayList<>(members);
		sorted.sort(null);
		int rank = sorted.indexOf(member);
		if (rank < 0) {
			return 0;
		}
		int base = partitions / sorted.size();
		return base + ((rank < partitions % sorted.size()) ? 1 : 0);
	}

	/**
	 * The order in which a member tries to take free partitions: starting at its own slice of the partition
	 * range (its rank times the average share), so that members joining at once seldom race for the same ones.
	 * @param partitions the partition count
	 * @param members the live members
	 * @param member the member asking
	 * @return every partition index once
	 */
	public static List<Integer> preferredOrder(int partitions, List<String> members, String member) {
		List<String> sorted = new ArrayList<>(members);
		sorted.sort(null);
		int rank = Math.max(0, sorted.indexOf(member));
		int start = (sorted.isEmpty()) ? 0 : (int) ((long) rank * partitions / sorted.size());
		List<Integer> order = new ArrayList<>(partitions);
		for (int i = 0; i < partitions; i++) {
			order.add((start + i) % partitions);
		}
		return order;
	}

}
