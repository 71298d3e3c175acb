package io.github.redisstreams.sample;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;

/**
 * Runs the sample against a Redis started in a container, for a machine with Docker and no Redis:
 * {@code ./mvnw -pl sample-app -am spring-boot:test-run}. {@code @ServiceConnection} hands the
 * container's address to Spring Boot in place of {@code spring.data.redis.*}.
 */
public class TestSampleApplication {

	public static void main(String[] args) {
		// the container's address replaces spring.data.redis.*: no embedded Redis besides it
		String[] withoutEmbeddedRedis = new String[args.length + 1];
		withoutEmbeddedRedis[0] = "--sample.embedded-redis.enabled=false";
		System.arraycopy(args, 0, withoutEmbeddedRedis, 1, args.length);
		SpringApplication.from(SampleApplication::main)
			.with(RedisContainerConfiguration.class)
			.run(withoutEmbeddedRedis);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class RedisContainerConfiguration {

		@Bean
		@ServiceConnection(name = "redis")
		GenericContainer<?> redisContainer() {
			return new GenericContainer<>(DockerImageName.parse("redis:7.4-alpine")).withExposedPorts(6379);
		}

	}

}
