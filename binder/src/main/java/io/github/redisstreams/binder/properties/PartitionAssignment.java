package io.github.redisstreams.binder.properties;

/**
 * How the partitions of a partitioned destination are shared among the instances of a consumer group.
 */
public enum PartitionAssignment {

	/**
	 * Each instance reads the partition of its {@code instance-index} (or those of its
	 * {@code instance-index-list}), as configured.
	 */
	STATIC,

	/**
	 * The live instances of the group share the partitions among themselves through ownership leases in
	 * Redis, and share them again when one joins, leaves or dies.
	 */
	DYNAMIC

}
