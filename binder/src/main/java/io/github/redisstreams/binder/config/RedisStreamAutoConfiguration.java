package io.github.redisstreams.binder.config;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;

/**
 * Application-level beans of the Redis binder: the registry through which the binder (in its own
 * context) publishes its running bindings, the reader of their state in Redis, and the dead-letter
 * operations.
 */
@AutoConfiguration(after = DataRedisAutoConfiguration.class)
public class RedisStreamAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RedisStreamBindingRegistry redisStreamBindingRegistry() {
		return new RedisStreamBindingRegistry();
	}

	/**
	 * Reads the state of running bindings (lag, pending entries, lengths) for the metrics and the endpoint.
	 */
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(RedisConnectionFactory.class)
	BindingStateReader redisStreamsBindingStateReader(RedisConnectionFactory connectionFactory) {
		return BindingStateReader.withOwnConnection(connectionFactory);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(RedisConnectionFactory.class)
	RedisStreamDeadLetterOperations redisDeadLetterOperations(RedisConnectionFactory connectionFactory) {
		return new RedisStreamDeadLetterOperations(connectionFactory);
	}

}
