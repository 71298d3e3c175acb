package io.github.redisstreams.binder.metrics;

/**
 * Creates the metrics of each binding.
 */
public interface BindingMetricsFactory {

	/**
	 * Reports nothing.
	 */
	BindingMetricsFactory NOOP = new BindingMetricsFactory() {

		@Override
		public ConsumerMetrics consumer(String bindingName, String stream, String group) {
			return ConsumerMetrics.NOOP;
		}

		@Override
		public ProducerMetrics producer(String bindingName, String stream) {
			return ProducerMetrics.NOOP;
		}

	};

	ConsumerMetrics consumer(String bindingName, String stream, String group);

	ProducerMetrics producer(String bindingName, String stream);

}
