package io.github.redisstreams.sample;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.UUID;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.util.StringUtils;

/**
 * The Redis the tests run against: {@code SPRING_DATA_REDIS_URL} (environment) or
 * {@code spring.data.redis.url} (system property), else a Redis on localhost:6379, else one started with
 * Testcontainers (needs Docker). Tests isolate themselves with unique names and delete their keys.
 */
public final class TestRedis {

	private static String url;

	private TestRedis() {
	}

	public static synchronized String url() {
		if (url == null) {
			url = resolve();
		}
		return url;
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

	private static String resolve() {
		String configured = System.getenv("SPRING_DATA_REDIS_URL");
		if (!StringUtils.hasText(configured)) {
			configured = System.getProperty("spring.data.redis.url");
		}
		if (StringUtils.hasText(configured)) {
			return configured;
		}
		if (listening("localhost", 6379)) {
			return "redis://localhost:6379";
		}
		GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse("redis:7.4-alpine"))
			.withExposedPorts(6379);
		container.start();
		Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
		return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
	}

	private static boolean listening(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 500);
			return true;
		}
		catch (Exception ex) {
			return false;
		}
	}

}
