package io.github.redisstreams.binder.config;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.actuate.RedisStreamsEndpoint;
import io.github.redisstreams.binder.recovery.RedisDeadLetterOperations;

/**
 * The {@code redisstreams} actuator endpoint, when Spring Boot Actuator is present and the endpoint is
 * available (exposed over HTTP or JMX and not switched off), following Actuator's usual rules.
 */
@AutoConfiguration(after = { RedisStreamsAutoConfiguration.class, RedisStreamsMetricsAutoConfiguration.class })
@ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
		"org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint" })
@ConditionalOnAvailableEndpoint(RedisStreamsEndpoint.class)
@ConditionalOnBean({ RedisStreamBindingRegistry.class, RedisDeadLetterOperations.class })
public class RedisStreamsEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(BindingStateReader.class)
	RedisStreamsEndpoint redisStreamsEndpoint(RedisStreamBindingRegistry bindingRegistry,
			BindingStateReader redisStreamsBindingStateReader, RedisDeadLetterOperations deadLetterOperations) {
		return new RedisStreamsEndpoint(bindingRegistry, redisStreamsBindingStateReader, deadLetterOperations);
	}

}
