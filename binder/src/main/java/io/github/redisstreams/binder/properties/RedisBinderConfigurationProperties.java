package io.github.redisstreams.binder.properties;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.StringUtils;

/**
 * Binder-wide settings of the Redis Streams binder ({@code spring.cloud.stream.redis.binder.*}).
 * <p>
 * The Redis connection itself is not configured here: the binder uses the application's
 * {@code spring.data.redis.*} settings (standalone, Sentinel or Cluster).
 */
@ConfigurationProperties(prefix = RedisBinderConfigurationProperties.PREFIX)
public class RedisBinderConfigurationProperties {

	/**
	 * Prefix of the binder-wide properties.
	 */
	public static final String PREFIX = "spring.cloud.stream.redis.binder";

	/**
	 * Prefix prepended to every destination name to form the Redis stream key, for example
	 * "shop:" maps destination orders to stream shop:orders. Empty by default.
	 */
	private String keyPrefix = "";

	/**
	 * Identity of this application instance in consumer names. Each consumer of a group is named
	 * <instance-id>-<n>, where n numbers the concurrency slots of the instance. Defaults to
	 * <hostname>-<pid>, which is unique on a host and stable across restarts on platforms that
	 * give a stable hostname and process id (a Kubernetes StatefulSet pod runs as PID 1 under the same
	 * hostname). A value of your own must be stable across restarts and unique among the live
	 * instances, e.g. ${HOSTNAME} on a StatefulSet: a restarted instance then resumes its own pending
	 * entries at once instead of waiting for another consumer to claim them. Two live instances with the
	 * same id would share consumer names and each resume the entries the other is working on; a fixed
	 * value such as orders-${spring.cloud.stream.instance-index} is only safe when every replica sets
	 * its own instance-index.
	 */
	private String instanceId;

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
	 * Whether the binder's logs may carry the content of entries (payload and header values), e.g. the
	 * ERROR log of an entry dropped without a dead-letter stream. Off by default: logs name the entry by
	 * its id and describe its fields by name and size only, so that personal or secret data in messages
	 * does not end up in log files.
	 */
	private boolean logPayloads;

	/**
	 * Whether the redisstreams actuator endpoint shows the payloads and header values of dead letters.
	 * Off by default: it shows their sizes and header names only. Turn it on only when the endpoint is
	 * secured (see docs/security.md).
	 */
	private boolean showPayloads;

	/**
	 * Whether the binder's connections group their socket writes (Netty's FlushConsolidationHandler on a
	 * Lettuce client of the binder's own that shares the application's client resources and
	 * spring.data.redis settings): commands written while the connection's event loop has more work queued
	 * go out in one packet, which saves Redis and the client a system call per command. A lone command is
	 * flushed as soon as the event loop finishes the work queued before it. The application's own Redis
	 * connections are not changed.
	 */
	private boolean consolidateFlushes = true;

	/**
	 * Micrometer metrics of the bindings.
	 */
	private final Metrics metrics = new Metrics();

	public boolean isConsolidateFlushes() {
		return this.consolidateFlushes;
	}

	public void setConsolidateFlushes(boolean consolidateFlushes) {
		this.consolidateFlushes = consolidateFlushes;
	}

	public boolean isLogPayloads() {
		return this.logPayloads;
	}

	public void setLogPayloads(boolean logPayloads) {
		this.logPayloads = logPayloads;
	}

	public boolean isShowPayloads() {
		return this.showPayloads;
	}

	public void setShowPayloads(boolean showPayloads) {
		this.showPayloads = showPayloads;
	}

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = (keyPrefix != null) ? keyPrefix : "";
	}

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

	public String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(String instanceId) {
		this.instanceId = instanceId;
	}

	/**
	 * The configured instance id, or {@code <hostname>-<pid>} when none is configured.
	 * @return the identity used as the prefix of consumer names
	 */
	public String resolveInstanceId() {
		if (StringUtils.hasText(this.instanceId)) {
			return this.instanceId.trim();
		}
		return hostName() + "-" + ProcessHandle.current().pid();
	}

	/**
	 * Fails fast, naming the property, when a value cannot work.
	 */
	public void validate() {
		if (this.instanceId != null && !this.instanceId.isEmpty() && !StringUtils.hasText(this.instanceId)) {
			throw PropertyChecks.invalid(PREFIX + ".instance-id", this.instanceId, "must not be blank");
		}
		if (this.keyPrefix.chars().anyMatch(Character::isWhitespace)) {
			throw PropertyChecks.invalid(PREFIX + ".key-prefix", this.keyPrefix, "must not contain whitespace");
		}
		PropertyChecks.positive(PREFIX + ".health-timeout", this.healthTimeout);
		PropertyChecks.positive(PREFIX + ".metrics.refresh-interval", this.metrics.refreshInterval);
	}

	private static String hostName() {
		String fromEnvironment = System.getenv("HOSTNAME");
		if (StringUtils.hasText(fromEnvironment)) {
			return fromEnvironment;
		}
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return ManagementFactory.getRuntimeMXBean().getName();
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
