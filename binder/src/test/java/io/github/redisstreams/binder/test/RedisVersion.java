package io.github.redisstreams.binder.test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * The version of a Redis server, as {@code redis-server --version} ({@code v=7.0.15}) or {@code INFO server}
 * ({@code redis_version:7.0.15}) print it, and the skip of a test that needs a newer server.
 *
 * @param major the major version
 * @param minor the minor version
 * @param patch the patch version
 */
public record RedisVersion(int major, int minor, int patch) implements Comparable<RedisVersion> {

	private static final Pattern VERSION = Pattern.compile("(?:v=|redis_version:)(\\d+)\\.(\\d+)\\.(\\d+)");

	/**
	 * Reads the version out of the output of {@code redis-server --version} or of {@code INFO server}.
	 * @param text the output
	 * @return the version
	 * @throws IllegalArgumentException when the text holds none
	 */
	public static RedisVersion parse(String text) {
		Matcher matcher = VERSION.matcher(text);
		if (!matcher.find()) {
			throw new IllegalArgumentException("No Redis version in '" + text.strip() + "'");
		}
		return new RedisVersion(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)),
				Integer.parseInt(matcher.group(3)));
	}

	public boolean isAtLeast(int major, int minor) {
		return compareTo(new RedisVersion(major, minor, 0)) >= 0;
	}

	/**
	 * Skips the calling test (a JUnit assumption, reported as skipped with its reason, which is also printed)
	 * when this server is older than the version a feature needs.
	 * @param major the major version the feature needs
	 * @param minor the minor version the feature needs
	 * @param feature what the test needs it for, e.g. "ACL selectors"
	 */
	public void assumeAtLeast(int major, int minor, String feature) {
		if (!isAtLeast(major, minor)) {
			String reason = "Skipped: needs Redis " + major + "." + minor + "+ for " + feature + "; the server found is "
					+ this;
			System.out.println(reason);
			Assumptions.abort(reason);
		}
	}

	@Override
	public int compareTo(RedisVersion other) {
		int byMajor = Integer.compare(this.major, other.major);
		if (byMajor != 0) {
			return byMajor;
		}
		int byMinor = Integer.compare(this.minor, other.minor);
		return (byMinor != 0) ? byMinor : Integer.compare(this.patch, other.patch);
	}

	@Override
	public String toString() {
		return this.major + "." + this.minor + "." + this.patch;
	}

}
