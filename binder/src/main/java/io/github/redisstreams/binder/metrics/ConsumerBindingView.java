package io.github.redisstreams.binder.metrics;

import java.util.List;

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
	 * How many of the binding's reading loops are running (their threads alive).
	 */
	int liveConsumers();

	/**
	 * How many of its reading loops currently cannot reach Redis.
	 */
	int consumersInOutage();

}
