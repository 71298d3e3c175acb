package io.github.redisstreams.binder.metrics;

import java.util.List;
import java.util.Map;

/**
 * What operations tooling (health, metrics, the actuator endpoint) may know about a running consumer
 * binding.
 */
public interface ConsumerBindingView {

	String bindingName();

	String stream();

	String group();

	boolean anonymous();

	/**
	 * The consumer names of this instance in the group.
	 */
	List<String> consumerNames();

	/**
	 * The dead-letter stream, or null when the binding dead-letters nothing.
	 */
	String deadLetterStream();

	/**
	 * Whether the binding has been started and not stopped.
	 */
	boolean isRunning();

	/**
	 * Whether the binding is paused and its consumers have stopped reading.
	 */
	boolean isPaused();

	/**
	 * How many reading loops the binding should run now: one per consumer name, or, with partitions shared
	 * dynamically, one per partition this instance owns.
	 */
	default int expectedConsumers() {
		return consumerNames().size();
	}

	/**
	 * With partitions shared dynamically (partition-assignment dynamic): this instance's view of the ownership
	 * (its member name and lease token, the live members, its share, the partitions it owns and those it is
	 * handing over); null for other bindings.
	 */
	default Map<String, Object> partitionOwnership() {
		return null;
	}

	/**
	 * With partitions shared dynamically: who holds each partition's lease now, read from Redis (an owner's
	 * token, or "" for none); null for other bindings.
	 */
	default Map<Integer, String> partitionOwners() {
		return null;
	}

	/**
	 * How many of the binding's reading loops are running (their threads alive).
	 */
	int liveConsumers();

	/**
	 * How many of its reading loops currently cannot reach Redis.
	 */
	int consumersInOutage();

}
