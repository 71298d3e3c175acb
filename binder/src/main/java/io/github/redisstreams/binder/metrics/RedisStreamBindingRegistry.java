package io.github.redisstreams.binder.metrics;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The consumer bindings of the Redis binder running in this application, for health, metrics and the
 * actuator endpoint. One registry lives in the application context; the binder, in its own child
 * context, registers each consumer binding while it runs.
 */
public class RedisStreamBindingRegistry {

	private final List<ConsumerBindingView> consumers = new CopyOnWriteArrayList<>();

	public void register(ConsumerBindingView binding) {
		this.consumers.add(binding);
	}

	public void unregister(ConsumerBindingView binding) {
		this.consumers.remove(binding);
	}

	/**
	 * The running consumer bindings.
	 * @return a snapshot
	 */
	public List<ConsumerBindingView> consumers() {
		return List.copyOf(this.consumers);
	}

}
