package io.github.redisstreams.binder.partitioning;

import io.github.redisstreams.binder.support.StreamKeys;

/**
 * Names of the keys that share the partitions of a destination among the instances of a group. The lease of a
 * partition carries the hash tag of the partition's stream, so that on Redis Cluster it lives in the stream's
 * slot: {@code {orders-3}:order-service:owner}. The members of the group carry the destination's:
 * {@code {orders}:order-service:members}.
 */
public final class PartitionKeys {

	private PartitionKeys() {
	}

	/**
	 * The ownership lease of one partition.
	 * @param partitionStream the partition's stream key, e.g. {@code orders-3}
	 * @param group the consumer group
	 * @return {@code <tagged partition stream>:<group>:owner}
	 */
	public static String lease(String partitionStream, String group) {
		return StreamKeys.tagged(partitionStream) + ":" + group + ":owner";
	}

	/**
	 * The live members of a group sharing a destination's partitions.
	 * @param stream the destination's stream key, e.g. {@code orders}
	 * @param group the consumer group
	 * @return {@code <tagged stream>:<group>:members}
	 */
	public static String members(String stream, String group) {
		return StreamKeys.tagged(stream) + ":" + group + ":members";
	}

}
