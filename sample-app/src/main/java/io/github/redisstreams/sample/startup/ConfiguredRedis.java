package io.github.redisstreams.sample.startup;

import java.util.List;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Whether the user told the sample where Redis is: any of {@code spring.data.redis.host}, {@code port},
 * {@code url}, {@code cluster.nodes}, {@code sentinel.master} or {@code sentinel.nodes}, from any property
 * source (so {@code SPRING_DATA_REDIS_URL} and the other environment variables count too), or Spring Boot's
 * Docker Compose support, which hands over the address of the Redis it starts.
 */
final class ConfiguredRedis {

	private static final List<String> ADDRESS_PROPERTIES = List.of("spring.data.redis.host",
			"spring.data.redis.port", "spring.data.redis.url", "spring.data.redis.sentinel.master");

	private static final List<String> NODE_LIST_PROPERTIES = List.of("spring.data.redis.cluster.nodes",
			"spring.data.redis.sentinel.nodes");

	private ConfiguredRedis() {
	}

	static boolean isConfigured(ConfigurableEnvironment environment) {
		Binder binder = Binder.get(environment);
		for (String property : ADDRESS_PROPERTIES) {
			if (binder.bind(property, Bindable.of(String.class)).isBound()) {
				return true;
			}
		}
		for (String property : NODE_LIST_PROPERTIES) {
			if (binder.bind(property, Bindable.listOf(String.class)).isBound()) {
				return true;
			}
		}
		return binder.bind("spring.docker.compose.enabled", Boolean.class).orElse(false);
	}

}
