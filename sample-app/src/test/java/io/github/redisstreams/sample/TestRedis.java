package io.github.redisstreams.sample;

import java.util.List;
import java.util.UUID;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;

import io.github.redisstreams.binder.test.RedisTestSupport;

/**
 * The Redis the tests run against, found as the binder's tests find theirs ({@link RedisTestSupport}):
 * {@code SPRING_DATA_REDIS_URL} (environment) or {@code spring.data.redis.url} (system property), else a Redis
 * on localhost:6379, else a {@code redis-server} started for the test JVM (the PATH's, or the embedded Redis
 * 6.2). Tests isolate themselves with unique names and delete their keys.
 */
public final class TestRedis {

	private TestRedis() {
	}

	public static String url() {
		return RedisTestSupport.redisUrl();
	}

	/**
	 * A name no other test uses.
	 * @param prefix a readable prefix
	 * @return {@code <prefix>-<random>}
	 */
	public static String uniqueName(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/**
	 * A Lettuce client for setting up and checking; shut it down after use.
	 * @return a new client
	 */
	public static RedisClient client() {
		return RedisClient.create(url());
	}

	/**
	 * Deletes the given keys and every key matching the given patterns.
	 * @param redis the connection
	 * @param keysOrPatterns key names, or patterns with {@code *}
	 */
	public static void delete(RedisCommands<String, String> redis, List<String> keysOrPatterns) {
		for (String key : keysOrPatterns) {
			if (!key.contains("*")) {
				redis.del(key);
				continue;
			}
			ScanCursor cursor = ScanCursor.INITIAL;
			do {
				KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(key).limit(500));
				if (!page.getKeys().isEmpty()) {
					redis.del(page.getKeys().toArray(String[]::new));
				}
				cursor = page;
			}
			while (!cursor.isFinished());
		}
	}

}
