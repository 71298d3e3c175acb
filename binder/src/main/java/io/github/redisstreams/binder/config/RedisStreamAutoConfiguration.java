package io.github.redisstreams.binder.config;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.cloud.function.context.FunctionCatalog;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;

/**
 * Application-level beans of the Redis binder: the cluster topology refresh of the application's Lettuce
 * client, the registry through which the binder (in its own
 * context) publishes its running bindings, the reader of their state in Redis, the dead-letter
 * operations, and the warning about reactive functions bound to the binder.
 */
@AutoConfiguration(after = DataRedisAutoConfiguration.class)
public class RedisStreamAutoConfiguration {

	/**
	 * Lettuce's cluster topology refresh, which the binder needs to follow failovers and moved slots, turned on
	 * unless the application configured it.
	 */
	@Bean
	@ConditionalOnMissingBean
	ClusterTopologyRefresh redisStreamClusterTopologyRefresh(Environment environment) {
		return new ClusterTopologyRefresh(environment);
	}

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

	/**
	 * Warns at startup about each reactive function ({@code Flux} input) that consumes from a Redis binding:
	 * such a function gets no at-least-once guarantee.
	 */
	@Bean
	RedisStreamReactiveFunctionWarning redisStreamReactiveFunctionWarning(ApplicationContext context,
			ObjectProvider<FunctionCatalog> functionCatalog) {
		return new RedisStreamReactiveFunctionWarning(context, functionCatalog);
	}

}
