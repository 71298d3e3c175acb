package io.github.redisstreams.binder.inbound;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consumer names, without Redis. The names in use are tracked for the whole JVM, so every test uses a
 * stream of its own.
 */
class ConsumerNamesTests {

	private final String stream = "names-" + UUID.randomUUID();

	@Test
	void namesAreTheInstanceIdAndTheLowestFreeSlots() {
		ConsumerNames names = new ConsumerNames("host-42");

		assertThat(names.allocate(this.stream, "billing", 3)).containsExactly("host-42-0", "host-42-1", "host-42-2");
	}

	@Test
	void aBindingGetsAtLeastOneName() {
		ConsumerNames names = new ConsumerNames("host");

		assertThat(names.allocate(this.stream, "billing", 0)).containsExactly("host-0");
	}

	@Test
	void namesInUseAreSkippedByEveryAllocatorOfTheJvm() {
		// two binders (or two applications in one JVM) with the same instance id
		ConsumerNames first = new ConsumerNames("host");
		ConsumerNames second = new ConsumerNames("host");

		assertThat(first.allocate(this.stream, "billing", 2)).containsExactly("host-0", "host-1");
		assertThat(second.allocate(this.stream, "billing", 2)).containsExactly("host-2", "host-3");
	}

	@Test
	void namesAreUniquePerStreamAndGroup() {
		ConsumerNames names = new ConsumerNames("host");

		assertThat(names.allocate(this.stream, "billing", 1)).containsExactly("host-0");
		assertThat(names.allocate(this.stream, "shipping", 1)).containsExactly("host-0");
		assertThat(names.allocate(this.stream + "-1", "billing", 1)).containsExactly("host-0");
		assertThat(new ConsumerNames("other").allocate(this.stream, "billing", 1)).containsExactly("other-0");
	}

	@Test
	void streamAndGroupAreNotConfusedByTheirJoin() {
		ConsumerNames names = new ConsumerNames("host");

		assertThat(names.allocate(this.stream + ":a", "b", 1)).containsExactly("host-0");
		assertThat(names.allocate(this.stream, "a:b", 1)).containsExactly("host-0");
	}

	@Test
	void releasedNamesAreHandedOutAgainLowestFirst() {
		ConsumerNames names = new ConsumerNames("host");
		List<String> allocated = names.allocate(this.stream, "billing", 4);

		names.release(this.stream, "billing", List.of(allocated.get(0), allocated.get(2)));

		assertThat(names.allocate(this.stream, "billing", 1)).containsExactly("host-0");
		assertThat(names.allocate(this.stream, "billing", 2)).containsExactly("host-2", "host-4");
	}

	@Test
	void bindingUnboundAndBoundAgainGetsTheSameNames() {
		ConsumerNames names = new ConsumerNames("host");
		List<String> before = names.allocate(this.stream, "billing", 3);

		names.release(this.stream, "billing", before);

		assertThat(names.allocate(this.stream, "billing", 3)).isEqualTo(before);
	}

	@Test
	void releasingNamesOfAnotherGroupFreesNothing() {
		ConsumerNames names = new ConsumerNames("host");
		names.allocate(this.stream, "billing", 1);

		names.release(this.stream, "shipping", List.of("host-0"));

		assertThat(names.allocate(this.stream, "billing", 1)).containsExactly("host-1");
	}

	@Test
	void concurrentAllocationsNeverShareAName() throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(4);
		try {
			List<Callable<List<String>>> bindings = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				bindings.add(() -> new ConsumerNames("host").allocate(this.stream, "billing", 5));
			}
			List<String> all = new ArrayList<>();
			for (Future<List<String>> allocated : executor.invokeAll(bindings)) {
				all.addAll(allocated.get());
			}

			assertThat(all).hasSize(40).doesNotHaveDuplicates();
		}
		finally {
			executor.shutdownNow();
		}
	}

}
