package io.github.redisstreams.binder.config;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.redisstreams.binder.properties.RedisBinderConfigurationProperties;
import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.actuate.RedisStreamBinderHealthIndicator;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;

/**
 * The binder's health indicator, in the binder's own context: Spring Cloud Stream collects the health
 * contributors of each binder context into the {@code binders} health group. Active when Spring Boot's
 * health support is present and {@code management.health.binders.enabled} is not false.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnEnabledHealthIndicator("binders")
class RedisStreamBinderHealthConfiguration {

	@Bean
	RedisStreamBinderHealthIndicator redisStreamBinderHealthIndicator(RedisConnectionFactory connectionFactory,
			RedisStreamConnections redisStreamConnections, ObjectProvider<RedisStreamBindingRegistry> bindingRegistry,
			RedisBinderConfigurationProperties binderProperties) {
		return new RedisStreamBinderHealthIndicator(connectionFactory, redisStreamConnections,
				bindingRegistry.getIfAvailable(), binderProperties.getHealthTimeout());
	}

}
