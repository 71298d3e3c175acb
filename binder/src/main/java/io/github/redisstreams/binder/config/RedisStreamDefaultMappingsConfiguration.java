package io.github.redisstreams.binder.config;

import java.util.Map;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.cloud.stream.config.BindingHandlerAdvise.MappingsProvider;
import org.springframework.context.annotation.Bean;

/**
 * Makes {@code spring.cloud.stream.redis.default.*} the defaults of every
 * {@code spring.cloud.stream.redis.bindings.<binding>.*}.
 */
@AutoConfiguration
public class RedisStreamDefaultMappingsConfiguration {

	@Bean
	MappingsProvider redisStreamsExtendedPropertiesDefaultMappingsProvider() {
		return () -> Map.of(ConfigurationPropertyName.of("spring.cloud.stream.redis.bindings"),
				ConfigurationPropertyName.of("spring.cloud.stream.redis.default"));
	}

}
