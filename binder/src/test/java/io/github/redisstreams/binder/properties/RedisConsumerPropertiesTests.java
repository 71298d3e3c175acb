package io.github.redisstreams.binder.properties;

import java.time.Duration;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Validation of a binding's consumer properties, without a Spring context: each invalid value fails
 * naming the full property.
 */
class RedisConsumerPropertiesTests {

	private static final String PREFIX = RedisExtendedBindingProperties.consumerPrefix("input");

	@Test
	void defaultsAreValid() {
		assertThatNoException().isThrownBy(() -> new RedisConsumerProperties().validate(PREFIX));
	}

	@Test
	void countsMustBePositive() {
		assertInvalid("read-count", (properties) -> properties.setReadCount(0));
		assertInvalid("claim-batch-size", (properties) -> properties.setClaimBatchSize(-1));
		assertInvalid("max-deliveries", (properties) -> properties.setMaxDeliveries(0));
		assertInvalid("max-unacknowledged", (properties) -> properties.setMaxUnacknowledged(0));
	}

	@Test
	void dlqMaxLenMayBeZeroButNotNegative() {
		assertValid((properties) -> properties.setDlqMaxLen(0));
		assertInvalid("dlq-max-len", (properties) -> properties.setDlqMaxLen(-1));
	}

	@Test
	void durationsMustBePositive() {
		assertInvalid("block-timeout", (properties) -> properties.setBlockTimeout(Duration.ZERO));
		assertInvalid("claim-idle-time", (properties) -> properties.setClaimIdleTime(Duration.ofSeconds(-1)));
		assertInvalid("claim-interval", (properties) -> properties.setClaimInterval(null));
		assertInvalid("consumer-expiry", (properties) -> properties.setConsumerExpiry(Duration.ZERO));
		assertInvalid("shutdown-timeout", (properties) -> properties.setShutdownTimeout(Duration.ofMillis(-1)));
	}

	@Test
	void batchGatheringMustFitReadCountAndClaimIdleTime() {
		assertValid((properties) -> {
			properties.setBatchMinCount(100);
			properties.setBatchMaxWait(Duration.ofSeconds(15));
		});
		assertInvalid("batch-min-count", (properties) -> properties.setBatchMinCount(0));
		assertInvalid("batch-min-count", (properties) -> properties.setBatchMinCount(101));
		assertInvalid("batch-max-wait", (properties) -> properties.setBatchMaxWait(Duration.ofMillis(-1)));
		assertInvalid("batch-max-wait", (properties) -> properties.setBatchMaxWait(null));
		// the entries read first wait with the batch: half of claim-idle-time at most
		assertInvalid("batch-max-wait", (properties) -> properties.setBatchMaxWait(Duration.ofSeconds(16)));
	}

	@Test
	void transactionalCannotBeCombinedWithManualAcknowledgement() {
		assertValid((properties) -> properties.setTransactional(true));
		assertInvalid("transactional", (properties) -> {
			properties.setTransactional(true);
			properties.setAckMode(AckMode.MANUAL);
		});
	}

	@Test
	void dynamicPartitionsNeedACountAndALeaseWithinClaimIdleTime() {
		assertValid((properties) -> properties.setPartitionCount(12));
		assertValid((properties) -> {
			properties.setPartitionAssignment(PartitionAssignment.DYNAMIC);
			properties.setPartitionCount(12);
		});
		assertInvalid("partition-count", (properties) -> properties.setPartitionAssignment(PartitionAssignment.DYNAMIC));
		assertInvalid("partition-count", (properties) -> properties.setPartitionCount(0));
		assertInvalid("partition-assignment", (properties) -> properties.setPartitionAssignment(null));
		assertInvalid("partition-lease-time", (properties) -> properties.setPartitionLeaseTime(Duration.ZERO));
		assertInvalid("partition-lease-time", (properties) -> {
			properties.setPartitionAssignment(PartitionAssignment.DYNAMIC);
			properties.setPartitionCount(12);
			properties.setPartitionLeaseTime(Duration.ofSeconds(31));
		});
		assertInvalid("partition-lease-time", (properties) -> {
			properties.setPartitionAssignment(PartitionAssignment.DYNAMIC);
			properties.setPartitionCount(12);
			properties.setPartitionLeaseTime(Duration.ofMillis(200));
		});
		// a consumer reads only while its lease is surely valid until the read ends
		assertInvalid("partition-lease-time", (properties) -> {
			properties.setPartitionAssignment(PartitionAssignment.DYNAMIC);
			properties.setPartitionCount(12);
			properties.setBlockTimeout(Duration.ofSeconds(6));
		});
	}

	@Test
	void ackModeMustBeSet() {
		assertValid((properties) -> properties.setAckMode(AckMode.MANUAL));
		assertInvalid("ack-mode", (properties) -> properties.setAckMode(null));
	}

	@Test
	void dlqNameMayBeUnsetButNotBlank() {
		assertValid((properties) -> properties.setDlqName(null));
		assertValid((properties) -> properties.setDlqName("{orders}:parking"));
		assertInvalid("dlq-name", (properties) -> properties.setDlqName(""));
		assertInvalid("dlq-name", (properties) -> properties.setDlqName("  "));
	}

	@Test
	void idempotencyTtlMustBePositive() {
		assertInvalid("idempotency.ttl", (properties) -> properties.getIdempotency().setTtl(Duration.ZERO));
		assertInvalid("idempotency.ttl", (properties) -> properties.getIdempotency().setTtl(null));
	}

	@Test
	void idempotencyKeyExpressionMustBeSpelWhenSet() {
		assertValid((properties) -> properties.getIdempotency().setKeyExpression(null));
		assertValid((properties) -> properties.getIdempotency().setKeyExpression(""));
		assertValid((properties) -> properties.getIdempotency().setKeyExpression("payload.orderId"));
		assertValid((properties) -> properties.getIdempotency().setKeyExpression("headers['orderId']"));
		assertInvalid("idempotency.key-expression",
				(properties) -> properties.getIdempotency().setKeyExpression("   "));
		assertThatIllegalArgumentException().isThrownBy(() -> {
			RedisConsumerProperties properties = new RedisConsumerProperties();
			properties.getIdempotency().setKeyExpression("payload.orderId)");
			properties.validate(PREFIX);
		})
			.withMessageContaining("'" + PREFIX + ".idempotency.key-expression'")
			.withMessageContaining("must be a SpEL expression");
	}

	private static void assertValid(Consumer<RedisConsumerProperties> change) {
		RedisConsumerProperties properties = new RedisConsumerProperties();
		change.accept(properties);
		assertThatNoException().isThrownBy(() -> properties.validate(PREFIX));
	}

	private static void assertInvalid(String property, Consumer<RedisConsumerProperties> change) {
		RedisConsumerProperties properties = new RedisConsumerProperties();
		change.accept(properties);
		assertThatIllegalArgumentException().as(property)
			.isThrownBy(() -> properties.validate(PREFIX))
			.withMessageStartingWith("Invalid value for '" + PREFIX + "." + property + "' (or "
					+ "'spring.cloud.stream.redis.default.consumer." + property + "' for all bindings)");
	}

}
