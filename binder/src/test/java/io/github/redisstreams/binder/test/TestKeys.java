package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * Names of the Redis keys of a test, deleted by {@link RedisExtension} when the test is over (also when it
 * failed).
 * <p>
 * A name from {@link #unique(String)} is unique to the test and marks every key derived from it: the
 * stream, its partitions ({@code <stream>-0}), its dead-letter stream ({@code {<stream>}:<group>:dlq}) and
 * its idempotency markers are all deleted. A key of a fixed name is deleted when {@link #register(String)
 * registered}.
 */
public final class TestKeys {

	private final List<String> markers = new CopyOnWriteArrayList<>();

	private final List<String> keys = new CopyOnWriteArrayList<>();

	TestKeys() {
	}

	/**
	 * A name no other test uses, for a stream (or a key prefix); every key containing it is deleted after
	 * the test.
	 * @param prefix a readable prefix
	 * @return {@code <prefix>-<random>}
	 */
	public String unique(String prefix) {
		String name = RedisTestSupport.uniqueName(prefix);
		this.markers.add(name);
		return name;
	}

	/**
	 * Deletes the key after the test.
	 * @param key a key the test creates
	 * @return the key
	 */
	public String register(String key) {
		this.keys.add(key);
		return key;
	}

	/**
	 * Deletes the registered keys and every key containing a unique name, and forgets them.
	 * @param redis commands on the test Redis
	 */
	void deleteAll(RedisCommands<String, String> redis) {
		List<String> doomed = new ArrayList<>(this.keys);
		for (String marker : this.markers) {
			ScanIterator.scan(redis, ScanArgs.Builder.matches("*" + escapeGlob(marker) + "*").limit(500))
				.forEachRemaining(doomed::add);
		}
		for (int from = 0; from < doomed.size(); from += 500) {
			redis.del(doomed.subList(from, Math.min(doomed.size(), from + 500)).toArray(String[]::new));
		}
		this.keys.clear();
		this.markers.clear();
	}

	private static String escapeGlob(String text) {
		StringBuilder escaped = new StringBuilder(text.length());
		for (char c : text.toCharArray()) {
			if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
				escaped.append('\\');
			}
			escaped.append(c);
		}
		return escaped.toString();
	}

}
