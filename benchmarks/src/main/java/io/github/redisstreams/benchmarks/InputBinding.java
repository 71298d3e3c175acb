package io.github.redisstreams.benchmarks;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;

/**
 * The input binding of a benchmark application on a Spring Cloud Stream binder: started when a round's consumers
 * start (deliveries then reach the round's tracker), stopped between rounds so that idle implementations take no
 * part in another's measurement.
 */
final class InputBinding {

	private final BindingsLifecycleController bindings;

	private final OrderSink sink;

	private boolean consuming;

	InputBinding(BindingsLifecycleController bindings, OrderSink sink) {
		this.bindings = bindings;
		this.sink = sink;
	}

	void start(DeliveryTracker tracker) {
		this.sink.track(tracker);
		this.bindings.start(BenchApplication.INPUT);
		this.consuming = true;
	}

	void stop() {
		if (this.consuming) {
			this.bindings.stop(BenchApplication.INPUT);
			this.consuming = false;
		}
	}

}
