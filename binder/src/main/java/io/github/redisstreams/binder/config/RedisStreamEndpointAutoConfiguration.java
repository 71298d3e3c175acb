package io.github.redisstreams.binder.config;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import io.github.redisstreams.binder.properties.RedisBinderConfigurationProperties;
import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.actuate.RedisStreamEndpoint;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;

/**
 * The {@code redisstreams} actuator endpoint, when Spring Boot Actuator is present and the endpoint is
 * available (exposed over HTTP or JMX and not switched off), following Actuator's usual rules.
 */
@AutoConfiguration(after = { RedisStreamAutoConfiguration.class, RedisStreamMetricsAutoConfiguration.class })
@ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
		"org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint" })
@ConditionalOnAvailableEndpoint(RedisStreamEndpoint.class)
@ConditionalOnBean({ RedisStreamBindingRegistry.class, RedisStreamDeadLetterOperations.class })
@EnableConfigurationProperties(RedisBinderConfigurationProperties.class)
public class RedisStreamEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(BindingStateReader.class)
	RedisStreamEndpoint redisStreamsEndpoint(RedisStreamBindingRegistry bindingRegistry,
			BindingStateReader redisStreamsBindingStateReader, RedisStreamDeadLetterOperations deadLetterOperations,
			RedisBinderConfigurationProperties binderProperties) {
		return new RedisStreamEndpoint(bindingRegistry, redisStreamsBindingStateReader, deadLetterOperations,
				binderProperties.isShowPayloads());
	}

}
