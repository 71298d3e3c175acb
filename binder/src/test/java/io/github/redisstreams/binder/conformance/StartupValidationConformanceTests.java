package io.github.redisstreams.binder.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A property value that cannot work stops the application at startup, with the property's name in
 * the failure, instead of an application that starts and then fails (or retries binding) later.
 */
class StartupValidationConformanceTests {

	private static final String KEY_MARKER = RedisTestSupport.uniqueName("conformance-validation");

	private static final String CONSUMER = "spring.cloud.stream.redis.bindings.sink-in-0.consumer.";

	private static final String PRODUCER = "spring.cloud.stream.redis.bindings.upper-out-0.producer.";

	private static StreamInspector redis;

	@BeforeAll
	static void connect() {
		redis = StreamInspector.connect();
	}

	@AfterAll
	static void cleanUp() {
		redis.deleteKeysContaining(KEY_MARKER);
		redis.close();
	}

	@Test
	void validPropertiesStart() {
		try (ConfigurableApplicationContext context = run(CONSUMER + "read-count=10", CONSUMER + "block-timeout=100ms",
				PRODUCER + "max-in-flight=10", CONSUMER + "idempotency.key-expression=payload.orderId",
				"spring.cloud.stream.redis.binder.key-prefix=" + KEY_MARKER + ":")) {
			assertThat(context.isRunning()).isTrue();
		}
	}

	@Test
	void negativeReadCountFailsStartup() {
		assertStartupFailsNaming(CONSUMER + "read-count", CONSUMER + "read-count=-1");
	}

	@Test
	void zeroBlockTimeoutFailsStartup() {
		assertStartupFailsNaming(CONSUMER + "block-timeout", CONSUMER + "block-timeout=0s");
	}

	@Test
	void zeroMaxInFlightFailsStartup() {
		assertStartupFailsNaming(PRODUCER + "max-in-flight", PRODUCER + "max-in-flight=0");
	}

	@Test
	void unparsableIdempotencyKeyExpressionFailsStartup() {
		assertStartupFailsNaming(CONSUMER + "idempotency.key-expression",
				CONSUMER + "idempotency.key-expression=payload.orderId)");
	}

	@Test
	void keyPrefixWithWhitespaceFailsStartup() {
		assertStartupFailsNaming("spring.cloud.stream.redis.binder.key-prefix",
				"spring.cloud.stream.redis.binder.key-prefix=my shop:");
	}

	private static void assertStartupFailsNaming(String property, String... properties) {
		ConfigurableApplicationContext[] started = new ConfigurableApplicationContext[1];
		Throwable failure = catchThrowable(() -> started[0] = run(properties));
		if (started[0] != null) {
			started[0].close();
		}
		assertThat(failure).as("startup with " + List.of(properties)).isNotNull();
		assertThat(messages(failure)).as("messages of the startup failure")
			.anySatisfy((message) -> assertThat(message).contains(property));
	}

	private static List<String> messages(Throwable failure) {
		List<String> messages = new ArrayList<>();
		for (Throwable current = failure; current != null; current = current.getCause()) {
			messages.add(String.valueOf(current.getMessage()));
			if (current.getCause() == current) {
				break;
			}
		}
		return messages;
	}

	private static ConfigurableApplicationContext run(String... properties) {
		List<String> arguments = new ArrayList<>();
		arguments.add("--spring.data.redis.url=" + RedisTestSupport.redisUrl());
		arguments.add("--spring.cloud.function.definition=upper;sink");
		arguments.add("--spring.cloud.stream.bindings.upper-in-0.destination=" + KEY_MARKER + "-in");
		arguments.add("--spring.cloud.stream.bindings.upper-in-0.group=upper");
		arguments.add("--spring.cloud.stream.bindings.upper-out-0.destination=" + KEY_MARKER + "-out");
		arguments.add("--spring.cloud.stream.bindings.sink-in-0.destination=" + KEY_MARKER + "-out");
		arguments.add("--spring.cloud.stream.bindings.sink-in-0.group=sink");
		for (String property : properties) {
			arguments.add("--" + property);
		}
		return new SpringApplicationBuilder(ValidationApp.class).web(WebApplicationType.NONE)
			.properties("spring.cloud.stream.redis.default.consumer.block-timeout=150ms", "spring.main.banner-mode=off")
			.run(arguments.toArray(String[]::new));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ValidationApp {

		@Bean
		Function<String, String> upper() {
			return String::toUpperCase;
		}

		@Bean
		Consumer<String> sink() {
			return (text) -> {
			};
		}

	}

}
