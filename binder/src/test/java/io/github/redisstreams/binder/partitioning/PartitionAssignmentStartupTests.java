package io.github.redisstreams.binder.partitioning;

import org.junit.jupiter.api.Test;

import io.github.redisstreams.binder.test.RedisBinderHarness;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Settings that contradict dynamic partition assignment fail before the binding is made, naming the property, so
 * that the application does not start (a failure while binding would be retried every binding-retry-interval).
 */
class PartitionAssignmentStartupTests {

	private static final String BINDING = "shared-in";

	private static final String DYNAMIC = "--spring.cloud.stream.redis.bindings." + BINDING
			+ ".consumer.partition-assignment=dynamic";

	private static final String COUNT = "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.partition-count=4";

	private static final String GROUP = "--spring.cloud.stream.bindings." + BINDING + ".group=g";

	private static final String PARTITIONED = "--spring.cloud.stream.bindings." + BINDING + ".consumer.partitioned=true";

	@Test
	void dynamicAssignmentOfABindingThatIsNotPartitionedFails() {
		try (RedisBinderHarness harness = RedisBinderHarness.start(DYNAMIC, COUNT, GROUP)) {
			assertThatIllegalArgumentException().isThrownBy(() -> harness.consumerProperties(BINDING))
				.withMessageContaining("spring.cloud.stream.redis.bindings." + BINDING + ".consumer.partition-assignment")
				.withMessageContaining("spring.cloud.stream.bindings." + BINDING + ".consumer.partitioned");
		}
	}

	@Test
	void dynamicAssignmentWithAnInstanceIndexListFails() {
		try (RedisBinderHarness harness = RedisBinderHarness.start(DYNAMIC, COUNT, GROUP, PARTITIONED,
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.instance-index-list=0,1")) {
			assertThatIllegalArgumentException().isThrownBy(() -> harness.consumerProperties(BINDING))
				.withMessageContaining("partition-assignment")
				.withMessageContaining("instance-index-list");
		}
	}

	@Test
	void dynamicAssignmentWithoutAGroupFails() {
		try (RedisBinderHarness harness = RedisBinderHarness.start(DYNAMIC, COUNT, PARTITIONED)) {
			assertThatIllegalArgumentException().isThrownBy(() -> harness.consumerProperties(BINDING))
				.withMessageContaining("partition-assignment")
				.withMessageContaining("spring.cloud.stream.bindings." + BINDING + ".group");
		}
	}

	@Test
	void dynamicAssignmentWithoutAPartitionCountFails() {
		try (RedisBinderHarness harness = RedisBinderHarness.start(DYNAMIC, GROUP, PARTITIONED)) {
			assertThatIllegalArgumentException().isThrownBy(() -> harness.consumerProperties(BINDING))
				.withMessageContaining("spring.cloud.stream.redis.bindings." + BINDING + ".consumer.partition-count");
		}
	}

}
