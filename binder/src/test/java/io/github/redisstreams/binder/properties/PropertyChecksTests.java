package io.github.redisstreams.binder.properties;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Startup checks of property values, without a Spring context.
 */
class PropertyChecksTests {

	private static final String BINDING_PROPERTY = "spring.cloud.stream.redis.bindings.input.consumer.read-count";

	private static final String BINDER_PROPERTY = "spring.cloud.stream.redis.binder.health-timeout";

	@Test
	void positiveNumbersAreGreaterThanZero() {
		assertThatNoException().isThrownBy(() -> PropertyChecks.positive("p", 1));
		assertThatIllegalArgumentException().isThrownBy(() -> PropertyChecks.positive("p", 0))
			.withMessage("Invalid value for 'p': must be greater than 0 but was '0'");
		assertThatIllegalArgumentException().isThrownBy(() -> PropertyChecks.positive("p", -5))
			.withMessageEndingWith("but was '-5'");
	}

	@Test
	void notNegativeAcceptsZero() {
		assertThatNoException().isThrownBy(() -> PropertyChecks.notNegative("p", 0));
		assertThatIllegalArgumentException().isThrownBy(() -> PropertyChecks.notNegative("p", -1))
			.withMessage("Invalid value for 'p': must not be negative but was '-1'");
	}

	@Test
	void positiveDurationsAreSetAndLongerThanZero() {
		assertThatNoException().isThrownBy(() -> PropertyChecks.positive("p", Duration.ofMillis(1)));
		assertThatIllegalArgumentException().isThrownBy(() -> PropertyChecks.positive("p", Duration.ZERO))
			.withMessage("Invalid value for 'p': must be a positive duration but was 'PT0S'");
		assertThatIllegalArgumentException().isThrownBy(() -> PropertyChecks.positive("p", Duration.ofSeconds(-1)))
			.withMessageEndingWith("but was 'PT-1S'");
		assertThatIllegalArgumentException().isThrownBy(() -> PropertyChecks.positive("p", (Duration) null))
			.withMessageEndingWith("but was 'null'");
	}

	@Test
	void optionalDurationsMayBeUnset() {
		assertThatNoException().isThrownBy(() -> PropertyChecks.positiveIfSet("p", null));
		assertThatNoException().isThrownBy(() -> PropertyChecks.positiveIfSet("p", Duration.ofDays(1)));
		assertThatIllegalArgumentException().isThrownBy(() -> PropertyChecks.positiveIfSet("p", Duration.ZERO))
			.withMessage("Invalid value for 'p': must be a positive duration but was 'PT0S'");
	}

	@Test
	void bindingPropertiesAlsoNameTheirDefaultForAllBindings() {
		assertThat(PropertyChecks.invalid(BINDING_PROPERTY, 0, "must be greater than 0"))
			.hasMessage("Invalid value for '" + BINDING_PROPERTY + "' (or "
					+ "'spring.cloud.stream.redis.default.consumer.read-count' for all bindings): "
					+ "must be greater than 0 but was '0'");
		assertThat(PropertyChecks.invalid(
				"spring.cloud.stream.redis.bindings.handle-in-0.consumer.idempotency.ttl", "PT0S", "rule"))
			.hasMessageContaining("(or 'spring.cloud.stream.redis.default.consumer.idempotency.ttl' for all bindings)");
	}

	@Test
	void binderPropertiesHaveNoDefaultsHint() {
		assertThat(PropertyChecks.invalid(BINDER_PROPERTY, "PT0S", "must be a positive duration"))
			.hasMessage("Invalid value for '" + BINDER_PROPERTY + "': must be a positive duration but was 'PT0S'");
	}

}
