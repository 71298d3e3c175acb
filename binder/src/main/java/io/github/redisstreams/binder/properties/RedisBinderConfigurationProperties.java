package io.github.redisstreams.binder.properties;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;

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
	 * hostname). Set it to a stable value, e.g. orders-${spring.cloud.stream.instance-index}, so
	 * that a restarted instance resumes its own pending entries at once instead of waiting for another
	 * consumer to claim them.
	 */
	private String instanceId;

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = (keyPrefix != null) ? keyPrefix : "";
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

}
