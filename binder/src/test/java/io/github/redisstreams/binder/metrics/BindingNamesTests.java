package io.github.redisstreams.binder.metrics;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.redisstreams.binder.test.FakeConsumerBinding;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names of running bindings stay unique and never null, also for a binding that consumes several
 * partitions.
 */
class BindingNamesTests {

	@Test
	void bindingsSharingANameAreNamedWithTheirStream() {
		ConsumerBindingView orders = FakeConsumerBinding.on("orders").withBindingName("handle-in-0");
		ConsumerBindingView partition0 = FakeConsumerBinding.on("shipments-0").withBindingName("ship-in-0");
		ConsumerBindingView partition1 = FakeConsumerBinding.on("shipments-1").withBindingName("ship-in-0");
		ConsumerBindingView unnamed = FakeConsumerBinding.on("returns").withBindingName(null);

		assertThat(BindingNames.byUniqueName(List.of(orders, partition0, partition1, unnamed)))
			.containsExactly(entry("handle-in-0", orders), entry("ship-in-0:shipments-0", partition0),
					entry("ship-in-0:shipments-1", partition1), entry("unknown", unnamed));
		assertThat(MicrometerBindingMetricsFactory.consumerTags(null, "returns", "g"))
			.anySatisfy((tag) -> assertThat(tag.getValue()).isEqualTo("unknown"));
	}

	private static Map.Entry<String, ConsumerBindingView> entry(String name, ConsumerBindingView binding) {
		return Map.entry(name, binding);
	}

}
