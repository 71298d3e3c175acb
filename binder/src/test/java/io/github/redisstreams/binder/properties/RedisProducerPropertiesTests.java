package io.github.redisstreams.binder.properties;

import java.time.Duration;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Validation of a binding's producer properties, without a Spring context: each invalid value fails
 * naming the full property.
 */
class RedisProducerPropertiesTests {

	private static final String PREFIX = RedisExtendedBindingProperties.producerPrefix("output");

	@Test
	void defaultsAreValidAndAskForNoRetention() {
		RedisProducerProperties properties = new RedisProducerProperties();

		assertThatNoException().isThrownBy(() -> properties.validate(PREFIX));
		assertThat(properties.hasRetention()).isFalse();
	}

	@Test
	void retentionIsAskedByMaxLenOrMaxAge() {
		RedisProducerProperties byLength = new RedisProducerProperties();
		byLength.setMaxLen(1000);
		RedisProducerProperties byAge = new RedisProducerProperties();
		byAge.setMaxAge(Duration.ofHours(1));

		assertThat(byLength.hasRetention()).isTrue();
		assertThat(byAge.hasRetention()).isTrue();
	}

	@Test
	void maxLenMayBeZeroButNotNegative() {
		assertValid((properties) -> properties.setMaxLen(0));
		assertInvalid("max-len", (properties) -> properties.setMaxLen(-1));
	}

	@Test
	void maxAgeMayBeUnsetButNotZeroOrNegative() {
		assertValid((properties) -> properties.setMaxAge(null));
		assertInvalid("max-age", (properties) -> properties.setMaxAge(Duration.ZERO));
		assertInvalid("max-age", (properties) -> properties.setMaxAge(Duration.ofMinutes(-1)));
	}

	@Test
	void intervalsAndTimeoutsMustBePositive() {
		assertInvalid("trim-interval", (properties) -> properties.setTrimInterval(Duration.ZERO));
		assertInvalid("trim-interval", (properties) -> properties.setTrimInterval(null));
		assertInvalid("send-timeout", (properties) -> properties.setSendTimeout(Duration.ofMillis(-1)));
		assertInvalid("max-in-flight", (properties) -> properties.setMaxInFlight(0));
	}

	@Test
	void aWaitTimeoutBelowAMillisecondIsRefused() {
		// WAIT takes whole milliseconds: 500us would become WAIT 1 0, which blocks for ever
		assertInvalid("wait-timeout", (properties) -> {
			properties.setWaitForReplicas(1);
			properties.setWaitTimeout(Duration.ofNanos(500_000));
		});
		assertValid((properties) -> {
			properties.setWaitForReplicas(1);
			properties.setWaitTimeout(Duration.ofMillis(1));
		});
	}

	@Test
	void retentionModeMustBeSet() {
		assertInvalid("retention-mode", (properties) -> properties.setRetentionMode(null));
	}

	@Test
	void headerPatternsMustListAPattern() {
		assertInvalid("header-patterns", (properties) -> properties.setHeaderPatterns(null));
		assertInvalid("header-patterns", (properties) -> properties.setHeaderPatterns(new String[0]));
		assertValid((properties) -> properties.setHeaderPatterns(new String[] { "!secret", "*" }));
	}

	private static void assertValid(Consumer<RedisProducerProperties> change) {
		RedisProducerProperties properties = new RedisProducerProperties();
		change.accept(properties);
		assertThatNoException().isThrownBy(() -> properties.validate(PREFIX));
	}

	private static void assertInvalid(String property, Consumer<RedisProducerProperties> change) {
		RedisProducerProperties properties = new RedisProducerProperties();
		change.accept(properties);
		assertThatIllegalArgumentException().as(property)
			.isThrownBy(() -> properties.validate(PREFIX))
			.withMessageStartingWith("Invalid value for '" + PREFIX + "." + property + "' (or "
					+ "'spring.cloud.stream.redis.default.producer." + property + "' for all bindings)");
	}

}
