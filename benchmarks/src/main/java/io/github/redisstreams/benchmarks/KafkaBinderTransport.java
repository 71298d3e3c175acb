package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The Kafka comparison: the same application ({@link BenchApplication}, {@code StreamBridge} to a
 * {@code Consumer<Order>}) on Spring Cloud Stream's Kafka binder with its default settings, against a
 * single KRaft broker running inside the benchmark's JVM (spring-kafka-test). The topic has one
 * partition per consumer.
 */
final class KafkaBinderTransport implements Transport {

	private static final String GROUP = "bench";

	private final String topic;

	private final int concurrency;

	private final Admin kafkaAdmin;

	private final ConfigurableApplicationContext context;

	private final StreamBridge bridge;

	private final InputBinding inputBinding;

	private final List<TopicPartition> partitions;

	private long endOffsetAtReset;

	KafkaBinderTransport(EmbeddedKafkaKraftBroker broker, String topic, int concurrency, OrderSink sink) {
		this.topic = topic;
		this.concurrency = concurrency;
		broker.addTopics(new NewTopic(topic, concurrency, (short) 1));
		this.partitions = IntStream.range(0, concurrency)
			.mapToObj((partition) -> new TopicPartition(topic, partition))
			.toList();
		this.kafkaAdmin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
		this.context = BenchApplication.start(sink, topic, GROUP, concurrency,
				List.of("spring.cloud.stream.default-binder=kafka",
						"spring.cloud.stream.kafka.binder.brokers=" + broker.getBrokersAsString()));
		this.bridge = this.context.getBean(StreamBridge.class);
		this.inputBinding = new InputBinding(this.context.getBean(BindingsLifecycleController.class), sink);
	}

	@Override
	public String name() {
		return Report.KAFKA;
	}

	@Override
	public int concurrency() {
		return this.concurrency;
	}

	@Override
	public void reset() {
		stopConsumers();
		// the group skips whatever an earlier round left unconsumed, as an empty Redis stream would
		Map<TopicPartition, Long> ends = endOffsetsByPartition();
		Map<TopicPartition, OffsetAndMetadata> skipTo = ends.entrySet()
			.stream()
			.collect(Collectors.toMap(Map.Entry::getKey, (end) -> new OffsetAndMetadata(end.getValue())));
		get(this.kafkaAdmin.alterConsumerGroupOffsets(GROUP, skipTo).all());
		this.endOffsetAtReset = ends.values().stream().mapToLong(Long::longValue).sum();
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
	}

	@Override
	public void awaitWritten(long count, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long written;
		while ((written = endOffsets() - this.endOffsetAtReset) < count) {
			if (System.nanoTime() - deadline > 0) {
				throw new ScenarioFailedException("Only " + written + " of " + count + " records written to '"
						+ this.topic + "' within " + timeout.toSeconds() + " s");
			}
			LockSupport.parkNanos(2_000_000);
		}
	}

	@Override
	public long unacknowledged() {
		Map<TopicPartition, OffsetAndMetadata> committed = get(
				this.kafkaAdmin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata());
		long committedTotal = 0;
		for (TopicPartition partition : this.partitions) {
			OffsetAndMetadata offset = committed.get(partition);
			committedTotal += (offset != null) ? offset.offset() : 0;
		}
		return endOffsets() - committedTotal;
	}

	private long endOffsets() {
		return endOffsetsByPartition().values().stream().mapToLong(Long::longValue).sum();
	}

	private Map<TopicPartition, Long> endOffsetsByPartition() {
		Map<TopicPartition, OffsetSpec> latest = this.partitions.stream()
			.collect(Collectors.toMap((partition) -> partition, (partition) -> OffsetSpec.latest()));
		return get(this.kafkaAdmin.listOffsets(latest).all()).entrySet()
			.stream()
			.collect(Collectors.toMap(Map.Entry::getKey, (entry) -> entry.getValue().offset()));
	}

	private static <T> T get(KafkaFuture<T> future) {
		try {
			return future.get(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ScenarioFailedException("interrupted");
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new ScenarioFailedException("Kafka admin request failed: " + ex);
		}
	}

	@Override
	public void close() {
		stopConsumers();
		this.context.close();
		this.kafkaAdmin.close(Duration.ofSeconds(5));
	}

}
