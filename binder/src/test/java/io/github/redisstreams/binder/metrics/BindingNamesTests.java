package io.github.redisstreams.binder.metrics;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names of running bindings stay unique and never null, also for a binding that consumes several
 * partitions.
 */
class BindingNamesTests {

	@Test
	void bindingsSharingANameAreNamedWithTheirStream() {
		Binding orders = new Binding("handle-in-0", "orders");
		Binding partition0 = new Binding("ship-in-0", "shipments-0");
		Binding partition1 = new Binding("ship-in-0", "shipments-1");
		Binding unnamed = new Binding(null, "returns");

		assertThat(BindingNames.byUniqueName(List.of(orders, partition0, partition1, unnamed)))
			.containsExactly(entry("handle-in-0", orders), entry("ship-in-0:shipments-0", partition0),
					entry("ship-in-0:shipments-1", partition1), entry("unknown", unnamed));
		assertThat(MicrometerBindingMetricsFactory.consumerTags(null, "returns", "g"))
			.anySatisfy((tag) -> assertThat(tag.getValue()).isEqualTo("unknown"));
	}

	private static Map.Entry<String, ConsumerBindingView> entry(String name, ConsumerBindingView binding) {
		return Map.entry(name, binding);
	}

	private record Binding(String bindingName, String stream) implements ConsumerBindingView {

		@Override
		public String group() {
			return "g";
		}

		@Override
		public boolean anonymous() {
			return false;
		}

		@Override
		public List<String> consumerNames() {
			return List.of("c1");
		}

		@Override
		public String deadLetterStream() {
			return null;
		}

		@Override
		public boolean isRunning() {
			return true;
		}

		@Override
		public boolean isPaused() {
			return false;
		}

		@Override
		public int liveConsumers() {
			return 1;
		}

		@Override
		public int consumersInOutage() {
			return 0;
		}

	}

}
