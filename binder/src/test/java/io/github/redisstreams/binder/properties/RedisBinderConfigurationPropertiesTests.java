package io.github.redisstreams.binder.properties;

import java.time.Duration;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Validation of the binder-wide properties, without a Spring context: each invalid value fails naming
 * the full property.
 */
class RedisBinderConfigurationPropertiesTests {

	@Test
	void defaultsAreValid() {
		assertThatNoException().isThrownBy(() -> new RedisBinderConfigurationProperties().validate());
	}

	@Test
	void keyPrefixMayBeEmptyButHasNoWhitespace() {
		assertValid((properties) -> properties.setKeyPrefix("shop:"));
		assertValid((properties) -> properties.setKeyPrefix("{shop}:"));
		assertInvalid("key-prefix", (properties) -> properties.setKeyPrefix("my shop:"));
		assertInvalid("key-prefix", (properties) -> properties.setKeyPrefix("shop:\t"));
	}

	@Test
	void unsetKeyPrefixIsEmpty() {
		RedisBinderConfigurationProperties properties = new RedisBinderConfigurationProperties();

		properties.setKeyPrefix(null);

		assertThat(properties.getKeyPrefix()).isEmpty();
		assertThatNoException().isThrownBy(properties::validate);
	}

	@Test
	void instanceIdMayBeUnsetButNotBlank() {
		assertValid((properties) -> properties.setInstanceId(null));
		assertValid((properties) -> properties.setInstanceId(""));
		assertInvalid("instance-id", (properties) -> properties.setInstanceId("   "));
	}

	@Test
	void configuredInstanceIdIsUsedTrimmed() {
		RedisBinderConfigurationProperties properties = new RedisBinderConfigurationProperties();
		properties.setInstanceId(" orders-1 ");

		assertThat(properties.resolveInstanceId()).isEqualTo("orders-1");
	}

	@Test
	void timeoutsAndIntervalsMustBePositive() {
		assertInvalid("health-timeout", (properties) -> properties.setHealthTimeout(Duration.ZERO));
		assertInvalid("health-timeout", (properties) -> properties.setHealthTimeout(null));
		assertInvalid("metrics.refresh-interval",
				(properties) -> properties.getMetrics().setRefreshInterval(Duration.ofSeconds(-1)));
	}

	private static void assertValid(Consumer<RedisBinderConfigurationProperties> change) {
		RedisBinderConfigurationProperties properties = new RedisBinderConfigurationProperties();
		change.accept(properties);
		assertThatNoException().isThrownBy(properties::validate);
	}

	private static void assertInvalid(String property, Consumer<RedisBinderConfigurationProperties> change) {
		RedisBinderConfigurationProperties properties = new RedisBinderConfigurationProperties();
		change.accept(properties);
		assertThatIllegalArgumentException().as(property)
			.isThrownBy(properties::validate)
			.withMessageStartingWith("Invalid value for 'spring.cloud.stream.redis.binder." + property + "': ");
	}

}
