package io.github.redisstreams.benchmarks;

import java.time.Duration;

/**
 * One implementation under test: a producer side that sends orders and a consumer side that hands
 * them to the shared {@link OrderSink}, over one stream (or topic) with a fixed consumer concurrency.
 * The benchmark drives it from one producer thread.
 */
interface Transport extends AutoCloseable {

	/** The name in the results, e.g. "raw Lettuce". */
	String name();

	/** The Redis stream this implementation writes, or null when it writes none (Kafka, no transport). */
	default String redisStream() {
		return null;
	}

	/** Whether this implementation takes part in a kind of throughput round. */
	default boolean supports(ThroughputBenchmark.Kind kind) {
		return true;
	}

	/** Number of consumers (threads) reading in parallel. */
	int concurrency();

	/**
	 * Stops the consumers and starts over: an empty stream with its group, or, for Kafka, a topic
	 * whose earlier messages are all consumed.
	 */
	void reset();

	/** Starts the consumers; what they receive goes to the tracker. */
	void startConsumers(DeliveryTracker tracker);

	/** Stops the consumers after their current batch; returns once they stopped. */
	void stopConsumers();

	/** Sends one order; called by one thread at a time. */
	void send(Order order);

	/**
	 * Ends a burst of sends. Only a producer that batches writes by hand does something here: it
	 * writes out what it holds back.
	 */
	default void endOfBurst() {
	}

	/**
	 * Waits until the broker confirmed {@code count} writes since the last reset.
	 * @throws ScenarioFailedException when that takes longer than the timeout
	 */
	void awaitWritten(long count, Duration timeout);

	/**
	 * The messages delivered but never acknowledged, once the consumers stopped.
	 * @return the number of pending entries (Redis) or uncommitted records (Kafka)
	 */
	long unacknowledged();

	@Override
	void close();

}
