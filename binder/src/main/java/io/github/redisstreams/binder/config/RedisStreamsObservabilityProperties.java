package io.github.redisstreams.binder.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Operations settings of the Redis Streams binder: tracing, health and metrics
 * ({@code spring.cloud.stream.redis.binder.*}, next to the binder-wide settings of
 * {@link io.github.redisstreams.binder.properties.RedisBinderConfigurationProperties}).
 */
@ConfigurationProperties(prefix = RedisStreamsObservabilityProperties.PREFIX)
public class RedisStreamsObservabilityProperties {

	/**
	 * Prefix of these properties.
	 */
	public static final String PREFIX = "spring.cloud.stream.redis.binder";

	/**
	 * Whether every binding of the binder records a Micrometer observation for each message it sends
	 * and receives, when the application has an ObservationRegistry. The trace context travels in the
	 * entry's fields (traceparent with W3C propagation), so a trace started by a producer continues in
	 * its consumers.
	 */
	private boolean enableObservation;

	/**
	 * Longest time the binder's health check waits for Redis before it reports the binder DOWN.
	 */
	private Duration healthTimeout = Duration.ofSeconds(10);

	/**
	 * Micrometer metrics of the bindings.
	 */
	private final Metrics metrics = new Metrics();

	public boolean isEnableObservation() {
		return this.enableObservation;
	}

	public void setEnableObservation(boolean enableObservation) {
		this.enableObservation = enableObservation;
	}

	public Duration getHealthTimeout() {
		return this.healthTimeout;
	}

	public void setHealthTimeout(Duration healthTimeout) {
		this.healthTimeout = healthTimeout;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	/**
	 * Fails fast, naming the property, when a value cannot work.
	 */
	public void validate() {
		requirePositive(PREFIX + ".health-timeout", this.healthTimeout);
		requirePositive(PREFIX + ".metrics.refresh-interval", this.metrics.refreshInterval);
	}

	private static void requirePositive(String property, Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new IllegalArgumentException(
					"Invalid value for '" + property + "': must be a positive duration but was '" + value + "'");
		}
	}

	/**
	 * Micrometer metrics of the bindings.
	 */
	public static class Metrics {

		/**
		 * Whether the binder reports Micrometer metrics when the application has a MeterRegistry.
		 */
		private boolean enabled = true;

		/**
		 * How often the gauges read from Redis (lag, pending entries, oldest pending age, stream and
		 * dead-letter stream lengths) are refreshed. A scrape reads the last refreshed values and never
		 * queries Redis itself.
		 */
		private Duration refreshInterval = Duration.ofSeconds(10);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getRefreshInterval() {
			return this.refreshInterval;
		}

		public void setRefreshInterval(Duration refreshInterval) {
			this.refreshInterval = refreshInterval;
		}

	}

}
