package io.github.redisstreams.benchmarks;

import java.time.Duration;

import org.springframework.cloud.stream.binder.test.InputDestination;
import org.springframework.cloud.stream.binder.test.OutputDestination;
import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.messaging.Message;

/**
 * Spring Cloud Stream with no transport: the same application ({@link BenchApplication}, {@code StreamBridge} to
 * a {@code Consumer<Order>}, the same {@code Order} JSON) on Spring Cloud Stream's test binder. Each send takes
 * the message {@code StreamBridge} produced from the {@code OutputDestination} and hands it, as it is, to the
 * {@code InputDestination} of the input binding, which calls the consumer on the sending thread. What it costs
 * per message is the programming model's own JVM cost (output conversion, channel dispatch, input conversion,
 * function invocation), which every binder pays on top of its transport. End to end only.
 */
final class FrameworkTransport implements Transport {

	private static final String GROUP = "bench";

	private final String destination;

	private final ConfigurableApplicationContext context;

	private final StreamBridge bridge;

	private final InputDestination input;

	private final OutputDestination output;

	private final InputBinding inputBinding;

	FrameworkTransport(String destination, OrderSink sink) {
		this.destination = destination;
		this.context = BenchApplication.startWithoutTransport(sink, destination, GROUP);
		this.bridge = this.context.getBean(StreamBridge.class);
		this.input = this.context.getBean(InputDestination.class);
		this.output = this.context.getBean(OutputDestination.class);
		this.inputBinding = new InputBinding(this.context.getBean(BindingsLifecycleController.class), sink);
	}

	@Override
	public String name() {
		return Report.FRAMEWORK;
	}

	@Override
	public boolean supports(ThroughputBenchmark.Kind kind) {
		return kind == ThroughputBenchmark.Kind.END_TO_END;
	}

	@Override
	public int concurrency() {
		return 1;
	}

	@Override
	public void reset() {
		stopConsumers();
		this.output.clear(this.destination + "-out");
	}

	@Override
	public void startConsumers(DeliveryTracker tracker) {
		this.inputBinding.start(tracker);
	}

	@Override
	public void stopConsumers() {
		this.inputBinding.stop();
	}

	@Override
	public void send(Order order) {
		this.bridge.send(BenchApplication.OUTPUT, order);
		Message<byte[]> sent = this.output.receive(0, this.destination + "-out");
		if (sent == null) {
			throw new ScenarioFailedException("StreamBridge.send left nothing in the output destination");
		}
		this.input.send(sent, this.destination);
	}

	@Override
	public void awaitWritten(long count, Duration timeout) {
		throw new UnsupportedOperationException("end to end only");
	}

	@Override
	public long unacknowledged() {
		return 0;
	}

	@Override
	public void close() {
		stopConsumers();
		this.context.close();
	}

}
