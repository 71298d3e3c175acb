package io.github.redisstreams.binder.partitioning;

/**
 * What reads the partitions an instance owns, driven by its {@link PartitionBalancer}.
 */
public interface PartitionConsumers {

	/**
	 * The instance took the partition's lease: start reading it (its previous owner's pending entries first).
	 */
	void start(int partition);

	/**
	 * The instance owns more than its share: stop reading the partition, finish and acknowledge the entries in
	 * hand, then run {@code released}, which gives the lease up. The lease is renewed until then.
	 */
	void handOver(int partition, Runnable released);

	/**
	 * The instance lost the partition's lease (it expired: Redis was unreachable for the lease time): stop
	 * reading it at once. Another instance may own it already.
	 */
	void revoke(int partition);

}
