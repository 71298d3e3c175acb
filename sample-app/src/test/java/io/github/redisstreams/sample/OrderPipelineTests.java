package io.github.redisstreams.sample;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import io.github.redisstreams.sample.analytics.AnalyticsReport;
import io.github.redisstreams.sample.analytics.OrderAnalytics;
import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.order.OrderLedger;
import io.github.redisstreams.sample.order.OrderStats;
import io.github.redisstreams.sample.order.ProcessedOrder;
import io.github.redisstreams.sample.web.DeadLetterController.DeadLetterReport;
import io.github.redisstreams.sample.web.DeadLetterController.DeadLetterView;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample end to end on Redis, through its HTTP API: orders posted, processed once, duplicates
 * ignored, failures dead-lettered, counted in batches by the analytics. The tests share one application;
 * each uses its own customer ids (and SKUs, for the analytics).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrderPipelineTests {

	static final SampleSetup setup = new SampleSetup();

	static RedisClient client;

	static StatefulRedisConnection<String, String> connection;

	static RedisCommands<String, String> redis;

	@LocalServerPort
	int port;

	@Autowired
	OrderLedger ledger;

	@Autowired
	OrderAnalytics analytics;

	@DynamicPropertySource
	static void sampleProperties(DynamicPropertyRegistry registry) {
		setup.properties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@BeforeAll
	static void connect() {
		client = TestRedis.client();
		connection = client.connect();
		redis = connection.sync();
	}

	@AfterAll
	static void cleanUp() {
		TestRedis.delete(redis, setup.keys());
		connection.close();
		client.shutdown();
	}

	@Test
	void postedOrdersAreProcessedOnce() {
		String customer = TestRedis.uniqueName("alice");
		post(order("a-1", customer, 2, "10.00"));
		post(order("a-2", customer, 1, "5.50"));
		post(order("a-3", customer, 3, "0.25"));

		await().atMost(Duration.ofSeconds(20)).until(() -> customerOrders(customer) == 3);
		assertThat(stats().customers().get(customer).amount()).isEqualByComparingTo("15.75");
		ProcessedOrder processed = find("a-1").orElseThrow();
		assertThat(processed.customerId()).isEqualTo(customer);
		assertThat(processed.quantity()).isEqualTo(2);
		assertThat(processed.processedAt()).isNotNull();
		await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
	}

	@Test
	void duplicateOrderIdChangesNothing() {
		String customer = TestRedis.uniqueName("bob");
		post(order("b-1", customer, 2, "20.00"));
		await().atMost(Duration.ofSeconds(20)).until(() -> customerOrders(customer) == 1);
		assertThat(redis.exists(setup.processedMarker("b-1"))).isOne();

		post(order("b-1", customer, 2, "20.00"));
		processedAfterEverythingBefore();

		OrderStats.CustomerTotals totals = stats().customers().get(customer);
		assertThat(totals.orders()).isEqualTo(1);
		assertThat(totals.amount()).isEqualByComparingTo("20.00");
		assertThat(redis.xlen(setup.destination)).isGreaterThanOrEqualTo(2);
	}

	@Test
	void orderRecordedBeforeACrashIsNotCountedAgainWhenRedelivered() {
		// the handler recorded the order, then the application died before acknowledging: no binder marker
		String customer = TestRedis.uniqueName("carol");
		Order order = order("c-1", customer, 1, "7.00");
		assertThat(this.ledger.record(order)).isTrue();
		assertThat(redis.exists(setup.processedMarker("c-1"))).isZero();

		post(order);
		processedAfterEverythingBefore();

		assertThat(customerOrders(customer)).isEqualTo(1);
		assertThat(redis.exists(setup.processedMarker("c-1"))).as("acknowledged with its marker").isOne();
	}

	@Test
	void invalidOrderIsRetriedThenDeadLetteredWithItsError() {
		String customer = TestRedis.uniqueName("dave");
		post(order("d-0", customer, 0, "9.50"));

		DeadLetterView deadLetter = awaitDeadLetter("\"d-0\"");
		assertThat(deadLetter.exception()).isEqualTo("io.github.redisstreams.sample.order.InvalidOrderException");
		assertThat(deadLetter.message()).isEqualTo("Order d-0 has quantity 0; it must be positive");
		assertThat(deadLetter.deliveryCount()).as("max-deliveries").isEqualTo(2);
		assertThat(find("d-0")).isEmpty();
		assertThat(stats().customers()).doesNotContainKey(customer);
		await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
	}

	@Test
	void malformedJsonIsDeadLetteredOnItsFirstDelivery() {
		String entryId = redis.xadd(setup.destination, "payload", "{\"orderId\": oops");

		DeadLetterView deadLetter = awaitDeadLetter("oops");
		assertThat(deadLetter.originalId()).isEqualTo(entryId);
		assertThat(deadLetter.deliveryCount()).isEqualTo(1);
		assertThat(deadLetter.exception()).startsWith("tools.jackson.");
		assertThat(deadLetter.message()).contains("Unrecognized token 'oops'");
	}

	@Test
	void entryWhoseContentTypeCannotBecomeAnOrderIsDeadLetteredOnItsFirstDelivery() {
		String customer = TestRedis.uniqueName("fay");
		String entryId = redis.xadd(setup.destination, "payload", OrderJson.of("f-1", customer, 1, "1.00"),
				"contentType", "text/plain");

		DeadLetterView deadLetter = awaitDeadLetter("\"f-1\"");
		assertThat(deadLetter.originalId()).isEqualTo(entryId);
		assertThat(deadLetter.deliveryCount()).isEqualTo(1);
		assertThat(deadLetter.exception()).isEqualTo(ClassCastException.class.getName());
		assertThat(find("f-1")).isEmpty();
	}

	@Test
	void orderAddedWithRedisCliIsProcessed() {
		String customer = TestRedis.uniqueName("erin");
		redis.xadd(setup.destination, "payload", OrderJson.of("e-1", customer, 4, "12.00"));

		await().atMost(Duration.ofSeconds(20)).until(() -> find("e-1").isPresent());
		assertThat(find("e-1").orElseThrow().createdAt()).isEqualTo(Instant.parse("2025-01-01T10:00:00Z"));
		assertThat(stats().customers().get(customer).orders()).isEqualTo(1);
	}

	@Test
	void analyticsCountOrdersInBatchesEachOnceEvenWhenDeliveredAgain() {
		String customer = TestRedis.uniqueName("gus");
		String sku = TestRedis.uniqueName("sku");
		List<Order> orders = IntStream.range(0, 40)
			.mapToObj((i) -> new Order("g-" + i, customer, sku, 1, new BigDecimal("1.00"), Instant.now()))
			.toList();
		analyticsAfterEverythingBefore(); // so that no entry of another test shares a batch with these
		AnalyticsReport before = analytics();
		// the first five were counted just before a crash, so their batch was not acknowledged: they come again
		assertThat(this.analytics.record(5, orders.subList(0, 5))).isEqualTo(new OrderAnalytics.Recorded(5, 0));

		orders.forEach(this::post);
		post(orders.get(7)); // and a producer sends one twice
		await().atMost(Duration.ofSeconds(20)).until(() -> analytics().ordersPerSku().getOrDefault(sku, 0L) == 40);
		analyticsAfterEverythingBefore();

		AnalyticsReport after = analytics();
		assertThat(after.ordersPerSku()).containsEntry(sku, 40L);
		assertThat(after.ordersPerMinute().values().stream().mapToLong((perSku) -> perSku.getOrDefault(sku, 0L)).sum())
			.as("orders of the SKU over the last minutes")
			.isEqualTo(40);
		assertThat(after.duplicates() - before.duplicates()).as("deliveries counted before").isGreaterThanOrEqualTo(6);
		long batches = after.batches().count() - before.batches().count();
		assertThat(batches).as("handler calls for 42 orders (and the call above)").isLessThan(42 / 2);
		assertThat(after.batches().largest()).isGreaterThan(1);
		await().atMost(Duration.ofSeconds(10)).until(() -> analyticsPending() == 0);
	}

	/**
	 * Waits until an order posted now is counted by the analytics, which read the stream in order in one
	 * consumer: every entry before it has been handled by then.
	 */
	private void analyticsAfterEverythingBefore() {
		String sku = TestRedis.uniqueName("probe-sku");
		post(new Order(TestRedis.uniqueName("probe"), TestRedis.uniqueName("probe"), sku, 1, BigDecimal.ONE,
				Instant.now()));
		await().atMost(Duration.ofSeconds(20)).until(() -> analytics().ordersPerSku().containsKey(sku));
	}

	/**
	 * Waits until an order posted now is processed: the one consumer works in stream order, so every
	 * entry before it has been settled by then.
	 */
	private void processedAfterEverythingBefore() {
		String orderId = TestRedis.uniqueName("marker");
		post(order(orderId, TestRedis.uniqueName("probe"), 1, "1.00"));
		await().atMost(Duration.ofSeconds(20)).until(() -> find(orderId).isPresent());
	}

	private DeadLetterView awaitDeadLetter(String payloadPart) {
		return await().atMost(Duration.ofSeconds(20))
			.until(() -> http().get()
				.uri("/orders/dlq?limit=100")
				.retrieve()
				.body(DeadLetterReport.class)
				.newest()
				.stream()
				.filter((deadLetter) -> deadLetter.payload() != null && deadLetter.payload().contains(payloadPart))
				.findFirst(), Optional::isPresent)
			.orElseThrow();
	}

	private void post(Order order) {
		HttpStatusCode status = http().post()
			.uri("/orders")
			.contentType(MediaType.APPLICATION_JSON)
			.body(order)
			.retrieve()
			.toBodilessEntity()
			.getStatusCode();
		assertThat(status.value()).isEqualTo(202);
	}

	private Optional<ProcessedOrder> find(String orderId) {
		return http().get().uri("/orders/{id}", orderId).exchange((request, response) -> {
			if (response.getStatusCode().value() == 404) {
				return Optional.empty();
			}
			return Optional.ofNullable(response.bodyTo(ProcessedOrder.class));
		});
	}

	private OrderStats stats() {
		return http().get().uri("/orders/stats").retrieve().body(OrderStats.class);
	}

	private long customerOrders(String customer) {
		OrderStats.CustomerTotals totals = stats().customers().get(customer);
		return (totals != null) ? totals.orders() : 0;
	}

	private AnalyticsReport analytics() {
		return http().get().uri("/orders/analytics").retrieve().body(AnalyticsReport.class);
	}

	private long pending() {
		return redis.xpending(setup.destination, SampleSetup.GROUP).getCount();
	}

	private long analyticsPending() {
		return redis.xpending(setup.destination, SampleSetup.ANALYTICS_GROUP).getCount();
	}

	private RestClient http() {
		return RestClient.create("http://localhost:" + this.port);
	}

	private static Order order(String orderId, String customer, int quantity, String amount) {
		return new Order(orderId, customer, "book-1", quantity, new BigDecimal(amount), Instant.now());
	}

}
