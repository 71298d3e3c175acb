package io.github.redisstreams.sample.startup;

import java.util.stream.Collectors;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Pings Redis while the application starts, before any binding does, so that a missing Redis ends the
 * startup with one clear line (see {@link RedisUnreachableFailureAnalyzer}) instead of stack traces
 * from the first component that happens to need it. The sample needs Redis with either binder: it
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
			throw new RedisUnreachableException(describe(this.connectionDetails), ex);
		}
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
