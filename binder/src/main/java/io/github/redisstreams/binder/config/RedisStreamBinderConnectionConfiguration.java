package io.github.redisstreams.binder.config;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Builds a Redis connection factory from the binder's own environment when the binder context cannot
 * use the application's: a binder declared with its own {@code environment}
 * ({@code spring.cloud.stream.binders.<name>.environment.spring.data.redis.*}) runs in a context without
 * parent. Spring Boot's own auto-configuration does the work, so every {@code spring.data.redis.*}
 * setting means the same as in the application.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(RedisConnectionFactory.class)
@ImportAutoConfiguration(DataRedisAutoConfiguration.class)
class RedisStreamBinderConnectionConfiguration {

}
