package io.github.redisstreams.sample.startup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.sample.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The startup check tells a Redis that refuses the credentials from one that is not there, and Spring Boot's
 * failure report says which, with what to do.
 */
class RedisReachabilityCheckTests {

	@Test
	void redisThatAnswersPasses() {
		URI redis = URI.create(TestRedis.url());
		check(redis.getHost(), redis.getPort(), null, null,
				(check) -> assertThatNoException().isThrownBy(check::afterPropertiesSet));
	}

	@Test
	void refusedCredentialsAreReportedAsAnAuthenticationFailure() {
		URI redis = URI.create(TestRedis.url());
		check(redis.getHost(), redis.getPort(), "no-such-user", "wrong", (check) -> {
			Throwable failure = catchThrowable(check::afterPropertiesSet);
			assertThat(failure).isInstanceOf(RedisAuthenticationFailedException.class)
				.hasMessageStartingWith("Redis at " + redis.getHost() + ":" + redis.getPort()
						+ " refused the credentials of user 'no-such-user': WRONGPASS");
			FailureAnalysis analysis = new RedisAuthenticationFailureAnalyzer().analyze(failure);
			assertThat(analysis.getDescription()).startsWith("Authentication to Redis at " + redis.getHost() + ":"
					+ redis.getPort() + " failed: Redis refused the credentials of user 'no-such-user' (WRONGPASS")
				.doesNotContain("not reachable", "redis-server");
			assertThat(analysis.getAction()).contains("SPRING_DATA_REDIS_PASSWORD");
			// the analyzer of an unreachable Redis leaves it alone
			assertThat(new RedisUnreachableFailureAnalyzer().analyze(failure)).isNull();
		});
	}

	@Test
	void missingRedisIsReportedAsUnreachable() throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		check("127.0.0.1", port, null, null, (check) -> {
			Throwable failure = catchThrowable(check::afterPropertiesSet);
			assertThat(failure).isInstanceOf(RedisUnreachableException.class)
				.isNotInstanceOf(RedisAuthenticationFailedException.class);
			assertThat(new RedisUnreachableFailureAnalyzer().analyze(failure).getDescription())
				.startsWith("Redis is not reachable at 127.0.0.1:" + port);
			assertThat(new RedisAuthenticationFailureAnalyzer().analyze(failure)).isNull();
		});
	}

	private static void check(String host, int port, String user, String password,
			Consumer<RedisReachabilityCheck> test) {
		RedisStandaloneConfiguration configuration = new RedisStandaloneConfiguration(host, port);
		configuration.setUsername(user);
		configuration.setPassword(password);
		LettuceConnectionFactory factory = new LettuceConnectionFactory(configuration);
		factory.afterPropertiesSet();
		factory.start();
		try {
			DataRedisConnectionDetails details = new DataRedisConnectionDetails() {

				@Override
				public String getUsername() {
					return user;
				}

				@Override
				public Standalone getStandalone() {
					return Standalone.of(host, port);
				}

			};
			test.accept(new RedisReachabilityCheck(factory, details));
		}
		finally {
			factory.destroy();
		}
	}

}
