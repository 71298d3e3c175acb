package io.github.redisstreams.sample;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.kafka.test.utils.KafkaTestUtils;

import io.github.redisstreams.sample.analytics.AnalyticsReport;
import io.github.redisstreams.sample.analytics.OrderAnalytics;
import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.order.OrderLedger;
import io.github.redisstreams.sample.order.OrderProcessor;
import io.github.redisstreams.sample.order.OrderPublisher;
import io.github.redisstreams.sample.order.OrderStats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The same application on Kafka, switched by the {@code kafka} profile alone (its batch consumer
 * included), and with its bindings spread over both binders. Kafka is an embedded KRaft broker shared by
 * the tests of this class; the orders, totals and analytics are kept in Redis in every setup.
 */
class KafkaBinderTests {

	static EmbeddedKafkaKraftBroker kafka;

	final SampleSetup setup = new SampleSetup();

	RedisClient client;

	StatefulRedisConnection<String, String> connection;

	RedisCommands<String, String> redis;

	@BeforeAll
	static void startKafka() {
		kafka = new EmbeddedKafkaKraftBroker(1, 1);
		kafka.afterPropertiesSet();
	}

	@AfterAll
	static void stopKafka() {
		kafka.destroy();
	}

	@AfterEach
	void cleanUp() {
		if (this.redis != null) {
			TestRedis.delete(this.redis, this.setup.keys());
			this.connection.close();
			this.client.shutdown();
		}
	}

	@Test
	void kafkaProfileMovesEveryBindingToKafka() {
		connectRedis();
		String deadLetterTopic = "error." + this.setup.destination + "." + SampleSetup.GROUP;
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class)
			.profiles("kafka")
			.run(this.setup.args("--spring.cloud.stream.kafka.binder.brokers=" + kafka.getBrokersAsString(),
					"--spring.cloud.stream.kafka.bindings." + OrderProcessor.BINDING + ".consumer.dlq-name="
							+ deadLetterTopic))) {
			OrderPublisher publisher = app.getBean(OrderPublisher.class);
			OrderLedger ledger = app.getBean(OrderLedger.class);
			publisher.publish(order("k-1", "kate", 2, "10.00"));
			publisher.publish(order("k-2", "kate", 1, "2.50"));
			publisher.publish(order("k-1", "kate", 2, "10.00"));
			publisher.publish(order("k-bad", "kate", 0, "1.00"));
			sendRaw(this.setup.destination, "{\"orderId\": oops");

			await().atMost(Duration.ofSeconds(30)).until(() -> customerOrders(ledger, "kate") == 2);
			assertThat(ledger.stats().customers().get("kate").amount()).isEqualByComparingTo("12.50");
			try (KafkaConsumer<byte[], byte[]> consumer = deadLetterConsumer()) {
				consumer.subscribe(List.of(deadLetterTopic));
				Map<String, ConsumerRecord<byte[], byte[]>> deadLetters = new HashMap<>();
				await().atMost(Duration.ofSeconds(30)).until(() -> {
					KafkaTestUtils.getRecords(consumer, Duration.ofMillis(500))
						.forEach((record) -> deadLetters.put(text(record.value()), record));
					return deadLetters.size() == 2;
				});
				assertThat(deadLetters.keySet()).anyMatch((payload) -> payload.contains("\"k-bad\""))
					.contains("{\"orderId\": oops");
				ConsumerRecord<byte[], byte[]> invalid = deadLetters.values()
					.stream()
					.filter((record) -> text(record.value()).contains("k-bad"))
					.findFirst()
					.orElseThrow();
				assertThat(text(invalid.headers().lastHeader("x-exception-message").value()))
					.contains("Order k-bad has quantity 0");
			}
			// the batch consumer on Kafka: k-1 counted once, the invalid order and the broken JSON left out
			OrderAnalytics analytics = app.getBean(OrderAnalytics.class);
			await().atMost(Duration.ofSeconds(30)).until(() -> analytics.report().duplicates() >= 1);
			AnalyticsReport report = analytics.report();
			assertThat(report.orders()).isEqualTo(2);
			assertThat(report.ordersPerSku()).containsExactlyEntriesOf(Map.of("book-1", 2L));
			assertThat(report.batches().count()).isPositive();
			assertThat(this.redis.exists(this.setup.destination)).as("no Redis stream was used").isZero();
		}
	}

	@Test
	void bindingsOnBothBindersWorkTogether() {
		connectRedis();
		String topic = TestRedis.uniqueName("orders-kafka");
		// orders are published to Kafka, relayed into the Redis stream and processed from there
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class,
				KafkaToRedisRelay.class)
			.run(this.setup.args("--spring.cloud.stream.kafka.binder.brokers=" + kafka.getBrokersAsString(),
					"--spring.cloud.function.definition=processOrder;relay",
					"--spring.cloud.stream.bindings.orders-out-0.destination=" + topic,
					"--spring.cloud.stream.bindings.orders-out-0.binder=kafka",
					"--spring.cloud.stream.bindings.relay-in-0.destination=" + topic,
					"--spring.cloud.stream.bindings.relay-in-0.group=relay",
					"--spring.cloud.stream.bindings.relay-in-0.binder=kafka",
					"--spring.cloud.stream.bindings.relay-out-0.destination=" + this.setup.destination))) {
			OrderPublisher publisher = app.getBean(OrderPublisher.class);
			OrderLedger ledger = app.getBean(OrderLedger.class);
			publisher.publish(order("m-1", "mia", 1, "3.00"));
			publisher.publish(order("m-2", "mia", 2, "4.00"));

			await().atMost(Duration.ofSeconds(30)).until(() -> customerOrders(ledger, "mia") == 2);
			assertThat(this.redis.xlen(this.setup.destination)).as("carried by the Redis stream").isEqualTo(2);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.redis.xpending(this.setup.destination, SampleSetup.GROUP).getCount() == 0);
		}
	}

	private void connectRedis() {
		this.client = TestRedis.client();
		this.connection = this.client.connect();
		this.redis = this.connection.sync();
	}

	private static void sendRaw(String topic, String payload) {
		Map<String, Object> properties = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
				ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
				ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
			producer.send(new ProducerRecord<>(topic, payload.getBytes(StandardCharsets.UTF_8)));
		}
	}

	private static KafkaConsumer<byte[], byte[]> deadLetterConsumer() {
		Map<String, Object> properties = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
				ConsumerConfig.GROUP_ID_CONFIG, TestRedis.uniqueName("dlq-reader"),
				ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
				ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
				ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		return new KafkaConsumer<>(properties);
	}

	private static long customerOrders(OrderLedger ledger, String customer) {
		OrderStats.CustomerTotals totals = ledger.stats().customers().get(customer);
		return (totals != null) ? totals.orders() : 0;
	}

	private static Order order(String orderId, String customer, int quantity, String amount) {
		return new Order(orderId, customer, "book-1", quantity, new BigDecimal(amount), Instant.now());
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

	/**
	 * Moves orders from one binding to another unchanged; bound here from a Kafka topic to a Redis
	 * stream.
	 */
	@Configuration(proxyBeanMethods = false)
	static class KafkaToRedisRelay {

		@Bean
		Function<Order, Order> relay() {
			return (order) -> order;
		}

	}

}
