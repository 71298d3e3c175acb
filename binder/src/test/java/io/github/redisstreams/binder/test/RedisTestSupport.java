package io.github.redisstreams.binder.test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.springframework.util.StringUtils;

/**
 * Finds the Redis the tests run against, in this order:
 * <ol>
 * <li>{@code SPRING_DATA_REDIS_URL} (environment) or {@code spring.data.redis.url} (system property);</li>
 * <li>a Redis answering on localhost:6379;</li>
 * <li>a {@link RedisServerProcess} started for the whole test JVM on a free port, of the {@code redis-server}
 * on the PATH or, without one, of the embedded Redis 6.2 ({@link RedisBinaries}).</li>
 * </ol>
 * Tests isolate themselves with unique key names ({@link #uniqueName(String)}) rather than flushing.
 */
public final class RedisTestSupport {

	private static volatile String url;

	private static RedisServerProcess ownServer;

	private static RedisVersion version;

	private static RedisCommands<String, String> commands;

	private RedisTestSupport() {
	}

	/**
	 * The URL of the Redis for tests, e.g. {@code redis://localhost:6379}.
	 * @return the URL
	 */
	public static synchronized String redisUrl() {
		if (url == null) {
			url = resolve();
		}
		return url;
	}

	/**
	 * The version of the test Redis, from {@code INFO server}, for tests that need a newer one
	 * ({@link RedisVersion#assumeAtLeast}).
	 * @return the version
	 */
	public static synchronized RedisVersion serverVersion() {
		if (version == null) {
			version = RedisVersion.parse(commands().info("server"));
		}
		return version;
	}

	/**
	 * A name no other test uses, for streams and groups.
	 * @param prefix a readable prefix
	 * @return {@code <prefix>-<random>}
	 */
	public static String uniqueName(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/**
	 * Commands on the test Redis, for setting up scenarios and checking what the binder did: one
	 * connection shared by all tests of the JVM, closed when the JVM exits.
	 * @return synchronous string commands
	 */
	public static synchronized RedisCommands<String, String> commands() {
		if (commands == null) {
			RedisClient client = client();
			commands = client.connect().sync();
			Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown));
		}
		return commands;
	}

	/**
	 * A Lettuce client on the test Redis, for setting up and checking what the binder did.
	 * @return a new client; shut it down after use
	 */
	public static RedisClient client() {
		return RedisClient.create(redisUrl());
	}

	private static String resolve() {
		String configured = System.getenv("SPRING_DATA_REDIS_URL");
		if (!StringUtils.hasText(configured)) {
			configured = System.getProperty("spring.data.redis.url");
		}
		if (StringUtils.hasText(configured)) {
			return configured;
		}
		if (answers("localhost", 6379)) {
			return "redis://localhost:6379";
		}
		// the server kills itself when the JVM exits (RedisServerProcess's shutdown hook)
		ownServer = RedisServerProcess.startOnFreePort();
		System.out.println("No Redis on localhost:6379: tests use their own Redis " + ownServer.version() + " at "
				+ ownServer.url());
		return ownServer.url();
	}

	private static boolean answers(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 500);
			RedisClient client = RedisClient.create(URI.create("redis://" + host + ":" + port).toString());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				RedisCommands<String, String> commands = connection.sync();
				return "PONG".equals(commands.ping());
			}
			finally {
				client.shutdown();
			}
		}
		catch (Exception ex) {
			return false;
		}
	}

}
