package io.github.redisstreams.checker;

import java.time.Duration;
import java.util.function.Function;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * The checker's own Lettuce connection to its private Redis (loopback only), named so that it is never
 * among the connections a fault kills. Commands are rejected at once while disconnected, instead of
 * queueing to be sent after a reconnect: a send the checker counts is one Redis confirmed.
 */
final class RedisAccess implements AutoCloseable {

	static final String NAME_PREFIX = "checker-";

	private final RedisClient client;

	private final StatefulRedisConnection<String, String> connection;

	RedisAccess(int port, String name) {
		this.client = RedisClient.create(RedisURI.builder()
			.withHost("127.0.0.1")
			.withPort(port)
			.withTimeout(Duration.ofSeconds(3))
			.withClientName(NAME_PREFIX + name)
			.build());
		this.client.setOptions(ClientOptions.builder()
			.autoReconnect(true)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.build());
		this.connection = this.client.connect();
	}

	RedisCommands<String, String> sync() {
		return this.connection.sync();
	}

	/**
	 * Runs commands, retrying while Redis is unreachable (restarting), for at most 60 s.
	 */
	<T> T call(Function<RedisCommands<String, String>, T> commands) {
		Object[] result = new Object[1];
		try {
			await("Redis answering").atMost(Duration.ofSeconds(60))
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptions()
				.until(() -> {
					result[0] = commands.apply(sync());
					return true;
				});
		}
		catch (ConditionTimeoutException ex) {
			// the last failure, for the caller to see
			return commands.apply(sync());
		}
		@SuppressWarnings("unchecked")
		T value = (T) result[0];
		return value;
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
	}

}
