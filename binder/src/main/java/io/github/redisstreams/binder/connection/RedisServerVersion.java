package io.github.redisstreams.binder.connection;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of the Redis server, as {@code INFO server} reports it in {@code redis_version} (Valkey reports
 * the Redis version it is compatible with there too).
 *
 * @param major the major version
 * @param minor the minor version
 * @param patch the patch version
 */
public record RedisServerVersion(int major, int minor, int patch) {

	/**
	 * The oldest version the binder supports: it sends {@code XTRIM MINID}, {@code XPENDING ... IDLE} and
	 * {@code XGROUP CREATECONSUMER}, all new in Redis 6.2.
	 */
	public static final RedisServerVersion MINIMUM = new RedisServerVersion(6, 2, 0);

	private static final Pattern REDIS_VERSION = Pattern.compile("(?m)^redis_version:(\\d+)\\.(\\d+)\\.(\\d+)");

	/**
	 * Reads {@code redis_version} out of the reply of {@code INFO server}.
	 * @param info the reply
	 * @return the version, empty when the reply has none
	 */
	public static Optional<RedisServerVersion> fromInfo(String info) {
		Matcher matcher = REDIS_VERSION.matcher(info);
		if (!matcher.find()) {
			return Optional.empty();
		}
		return Optional.of(new RedisServerVersion(Integer.parseInt(matcher.group(1)),
				Integer.parseInt(matcher.group(2)), Integer.parseInt(matcher.group(3))));
	}

	/**
	 * Whether this version is the given one or newer.
	 * @param other the version to compare with
	 * @return true when at least {@code other}
	 */
	public boolean isAtLeast(RedisServerVersion other) {
		if (this.major != other.major) {
			return this.major > other.major;
		}
		if (this.minor != other.minor) {
			return this.minor > other.minor;
		}
		return this.patch >= other.patch;
	}

	/**
	 * Whether {@code XINFO GROUPS} reports a group's lag (Redis 7.0 and newer); before that the binder counts it.
	 * @return true from Redis 7.0
	 */
	public boolean reportsGroupLag() {
		return this.major >= 7;
	}

	@Override
	public String toString() {
		return this.major + "." + this.minor + "." + this.patch;
	}

}
