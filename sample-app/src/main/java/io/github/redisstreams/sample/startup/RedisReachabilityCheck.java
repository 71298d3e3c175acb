package io.github.redisstreams.sample.startup;

import java.util.stream.Collectors;

import io.lettuce.core.RedisCommandExecutionException;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Pings Redis while the application starts, before any binding does, so that a missing Redis, or one that
 * refuses the credentials, ends the startup with one clear line (see {@link RedisUnreachableFailureAnalyzer}
 * and {@link RedisAuthenticationFailureAnalyzer}) instead of stack traces from the first component that
 * happens to need it. The sample needs Redis with either binder: it
 * keeps its orders, totals and analytics there.
 */
@Component
public class RedisReachabilityCheck implements InitializingBean {

	private final RedisConnectionFactory connectionFactory;

	private final DataRedisConnectionDetails connectionDetails;

	public RedisReachabilityCheck(RedisConnectionFactory connectionFactory,
			DataRedisConnectionDetails connectionDetails) {
		this.connectionFactory = connectionFactory;
		this.connectionDetails = connectionDetails;
	}

	@Override
	public void afterPropertiesSet() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.ping();
		}
		catch (RuntimeException ex) {
			String refusal = authenticationFailure(ex);
			if (refusal != null) {
				// Redis is there and answered: it refused the credentials
				throw new RedisAuthenticationFailedException(describe(this.connectionDetails), user(), refusal, ex);
			}
			throw new RedisUnreachableException(describe(this.connectionDetails), ex);
		}
	}

	private String user() {
		String user = this.connectionDetails.getUsername();
		return StringUtils.hasText(user) ? user : "default";
	}

	/**
	 * Redis's reply when it refused the credentials ({@code WRONGPASS}: unknown user, wrong password, user
	 * disabled; {@code NOAUTH}: a password is required), which Lettuce reports as the cause of a connection
	 * failure.
	 * @return the reply, or null when the failure is another one
	 */
	static String authenticationFailure(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			String message = cause.getMessage();
			if (cause instanceof RedisCommandExecutionException && message != null
					&& (message.startsWith("WRONGPASS") || message.startsWith("NOAUTH"))) {
				return message;
			}
		}
		return null;
	}

	static String describe(DataRedisConnectionDetails details) {
		if (details.getCluster() != null) {
			return "cluster nodes " + details.getCluster()
				.getNodes()
				.stream()
				.map((node) -> node.host() + ":" + node.port())
				.collect(Collectors.joining(", "));
		}
		if (details.getSentinel() != null) {
			return "sentinel master '" + details.getSentinel().getMaster() + "'";
		}
		DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
		return (standalone != null) ? standalone.getHost() + ":" + standalone.getPort() : "the configured address";
	}

}
