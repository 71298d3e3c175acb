package io.github.redisstreams.binder.inbound;

/**
 * What runs the consumers of one message-driven binding, as its channel adapter sees it: a
 * {@link StreamConsumerContainer} for a stream (or a partition given by instance-index), a
 * {@link PartitionedConsumerContainer} for partitions shared dynamically.
 */
public interface BindingConsumers {

	void start();

	/**
	 * Stops reading, lets each consumer finish the entry in hand (at most {@code shutdown-timeout}) and hands the
	 * rest back.
	 */
	void stop();

	void pause();

	void resume();

	/**
	 * Whether every consumer has actually stopped reading after {@link #pause()}.
	 */
	boolean isPaused();

	/**
	 * Runs the task once the binding is stopped and none of its consumers works on an entry any more.
	 */
	void whenFinished(Runnable task);

	/**
	 * How many reading loops should run now.
	 */
	int expectedConsumers();

	int liveConsumers();

	int consumersInOutage();

}
