package io.github.redisstreams.starter;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Function;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * An application whose only dependency of ours is the starter (its test classpath holds the starter,
 * spring-boot-starter-test and Awaitility, nothing else of this project): it boots with a processor and a
 * consumer bound to Redis streams, and an order sent through {@link StreamBridge} comes out as an invoice,
 * with both streams and both groups visible in Redis and every entry acknowledged. Redis is found as
 * {@link LocalRedis} says.
 */
class StarterApplicationTests {

	private static LocalRedis redisServer;

	private static final Duration BOUND = Duration.ofSeconds(20);

	private final String run = UUID.randomUUID().toString().substring(0, 8);

	private final String orders = "starter-orders-" + this.run;

	private final String invoices = "starter-invoices-" + this.run;

	private RedisClient client;

	private StatefulRedisConnection<String, String> connection;

	@BeforeAll
	static void findRedis() throws IOException {
		redisServer = LocalRedis.find();
	}

	@AfterAll
	static void stopOwnRedis() {
		redisServer.close();
	}

	@BeforeEach
	void connect() {
		this.client = RedisClient.create(redisServer.url());
		this.connection = this.client.connect();
	}

	@AfterEach
	void removeKeysAndDisconnect() {
		RedisCommands<String, String> redis = this.connection.sync();
		ScanArgs ours = ScanArgs.Builder.matches("*" + this.run + "*").limit(1000);
		KeyScanCursor<String> cursor = redis.scan(ours);
		while (true) {
			if (!cursor.getKeys().isEmpty()) {
				redis.del(cursor.getKeys().toArray(String[]::new));
			}
			if (cursor.isFinished()) {
				break;
			}
			cursor = redis.scan(ScanCursor.of(cursor.getCursor()), ours);
		}
		this.connection.close();
		this.client.shutdown();
	}

	@Test
	void anOrderSentWithStreamBridgeIsProcessedThroughRedisStreams() {
		try (ConfigurableApplicationContext app = startApplication()) {
			ReceivedInvoices received = app.getBean(ReceivedInvoices.class);

			boolean sent = app.getBean(StreamBridge.class)
				.send(this.orders, new Order("o-1", 2, new BigDecimal("12.95")));

			assertThat(sent).isTrue();
			Invoice expected = new Invoice("o-1", new BigDecimal("25.90"));
			await().atMost(BOUND).untilAsserted(() -> assertThat(received.invoices).containsExactly(expected));

			RedisCommands<String, String> redis = this.connection.sync();
			List<StreamMessage<String, String>> orderEntries = redis.xrange(this.orders, Range.create("-", "+"));
			assertThat(orderEntries).singleElement()
				.extracting(StreamMessage::getBody)
				.extracting((body) -> body.get("payload"))
				.asString()
				.contains("\"orderId\":\"o-1\"");
			assertThat(redis.xlen(this.invoices)).isEqualTo(1);
			// acknowledged once handled: nothing left pending in either group
			await().atMost(BOUND).untilAsserted(() -> {
				assertThat(groups(redis, this.orders)).containsEntry("billing", 0L);
				assertThat(groups(redis, this.invoices)).containsEntry("ledger", 0L);
			});
		}
	}

	@Test
	void theTestClasspathHoldsNothingOfOursButTheStarter() {
		// the binder's own test support would make the application above prove less than it says
		assertThatExceptionOfType(ClassNotFoundException.class)
			.isThrownBy(() -> Class.forName("io.github.redisstreams.binder.test.RedisTestSupport"));
		assertThatExceptionOfType(ClassNotFoundException.class)
			.isThrownBy(() -> Class.forName("org.springframework.cloud.stream.binder.test.TestChannelBinder"));
	}

	private ConfigurableApplicationContext startApplication() {
		return new SpringApplicationBuilder(OrderApplication.class).web(WebApplicationType.NONE)
			.properties(Map.of("spring.data.redis.url", redisServer.url(), //
					"spring.cloud.function.definition", "invoice;recordInvoice", //
					"spring.cloud.stream.bindings.invoice-in-0.destination", this.orders, //
					"spring.cloud.stream.bindings.invoice-in-0.group", "billing", //
					"spring.cloud.stream.bindings.invoice-out-0.destination", this.invoices, //
					"spring.cloud.stream.bindings.recordInvoice-in-0.destination", this.invoices, //
					"spring.cloud.stream.bindings.recordInvoice-in-0.group", "ledger"))
			.run();
	}

	/** Pending entries per group of a stream, from XINFO GROUPS. */
	@SuppressWarnings("unchecked")
	private static Map<String, Long> groups(RedisCommands<String, String> redis, String stream) {
		Map<String, Long> pending = new HashMap<>();
		for (Object group : redis.xinfoGroups(stream)) {
			List<Object> fields = (List<Object>) group;
			pending.put(String.valueOf(fields.get(fields.indexOf("name") + 1)),
					(Long) fields.get(fields.indexOf("pending") + 1));
		}
		return pending;
	}

	record Order(String orderId, int quantity, BigDecimal unitPrice) {
	}

	record Invoice(String orderId, BigDecimal total) {
	}

	static final class ReceivedInvoices {

		final Queue<Invoice> invoices = new ConcurrentLinkedQueue<>();

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class OrderApplication {

		@Bean
		ReceivedInvoices receivedInvoices() {
			return new ReceivedInvoices();
		}

		@Bean
		Function<Order, Invoice> invoice() {
			return (order) -> new Invoice(order.orderId(),
					order.unitPrice().multiply(BigDecimal.valueOf(order.quantity())));
		}

		@Bean
		Consumer<Invoice> recordInvoice(ReceivedInvoices received) {
			return received.invoices::add;
		}

	}

}
