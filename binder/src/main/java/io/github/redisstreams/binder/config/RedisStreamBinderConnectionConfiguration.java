package io.github.redisstreams.binder.config;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Builds a Redis connection factory from the binder's own environment when the binder context cannot
 * use the application's: a binder declared with its own {@code environment}
 * ({@code spring.cloud.stream.binders.<name>.environment.spring.data.redis.*}) runs in a context without
 * parent. Spring Boot's own auto-configuration does the work, so every {@code spring.data.redis.*}
 * setting means the same as in the application, and the cluster topology refresh is turned on as for the
 * application's client ({@link ClusterTopologyRefresh}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(RedisConnectionFactory.class)
@ImportAutoConfiguration(DataRedisAutoConfiguration.class)
class RedisStreamBinderConnectionConfiguration {

	/**
	 * The binder's own client follows failovers and moved slots like the application's.
	 */
	@Bean
	ClusterTopologyRefresh redisStreamBinderClusterTopologyRefresh(Environment environment) {
		return new ClusterTopologyRefresh(environment);
	}

}
