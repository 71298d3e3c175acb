package io.github.redisstreams.sample.order;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import io.github.redisstreams.sample.SampleProperties;
import io.github.redisstreams.sample.storage.KeySnapshot;

/**
 * The effect of processing an order, kept in Redis: the order itself under
 * {@code {<key-space>}:order:<orderId>} and running totals, overall and per customer.
 * <p>
 * Recording is one Lua script keyed by the orderId, so it is atomic and idempotent on its own: an
 * order recorded a second time (a redelivery after a crash between recording and acknowledging, which
 * the binder's processed marker cannot catch because it is written with the acknowledgement) changes
 * nothing.
 */
@Component
public class OrderLedger {

	private static final RedisScript<Long> RECORD_ORDER = RedisScript
		.of(new ClassPathResource("io/github/redisstreams/sample/order/record-order.lua"), Long.class);

	private static final BigDecimal CENTS = BigDecimal.valueOf(100);

	private final StringRedisTemplate redis;

	private final JsonMapper jsonMapper;

	private final KeySnapshot snapshot;

	private final String keySpace;

	public OrderLedger(StringRedisTemplate redis, KeySnapshot snapshot, JsonMapper jsonMapper,
			SampleProperties properties) {
		this.redis = redis;
		this.snapshot = snapshot;
		this.jsonMapper = jsonMapper;
		this.keySpace = "{" + properties.keySpace() + "}";
	}

	/**
	 * Records a valid order and adds it to the totals, unless an order with the same orderId was
	 * recorded before.
	 * @param order a valid order
	 * @return true when recorded now, false when it had been recorded already
	 */
	public boolean record(Order order) {
		ProcessedOrder processed = ProcessedOrder.of(order, Instant.now());
		long amountCents = order.amount().multiply(CENTS).longValueExact();
		Long recorded = this.redis.execute(RECORD_ORDER,
				List.of(orderKey(order.orderId()), totalsKey(), customerOrdersKey(), customerAmountsKey()),
				this.jsonMapper.writeValueAsString(processed), order.customerId(), order.quantity().toString(),
				Long.toString(amountCents));
		return recorded != null && recorded == 1L;
	}

	/**
	 * A recorded order.
	 * @param orderId its id
	 * @return the order, or empty when no order with this id was processed
	 */
	public Optional<ProcessedOrder> find(String orderId) {
		String json = this.redis.opsForValue().get(orderKey(orderId));
		return Optional.ofNullable(json).map((text) -> this.jsonMapper.readValue(text, ProcessedOrder.class));
	}

	/**
	 * The totals over all recorded orders, read at one instant (see {@link KeySnapshot}) so that the overall
	 * and the per-customer figures agree.
	 * @return the totals
	 */
	public OrderStats stats() {
		List<Object> hashes = this.snapshot.read()
			.hash(totalsKey())
			.hash(customerOrdersKey())
			.hash(customerAmountsKey())
			.execute();
		Map<?, ?> totals = (Map<?, ?>) hashes.get(0);
		Map<?, ?> customerOrders = (Map<?, ?>) hashes.get(1);
		Map<?, ?> customerAmounts = (Map<?, ?>) hashes.get(2);
		Map<String, OrderStats.CustomerTotals> customers = new TreeMap<>();
		customerOrders.forEach((customer, orders) -> customers.put((String) customer, new OrderStats.CustomerTotals(
				parse(orders), fromCents(parse(customerAmounts.get(customer))))));
		return new OrderStats(parse(totals.get("orders")), parse(totals.get("items")),
				fromCents(parse(totals.get("amount-cents"))), customers);
	}

	private String orderKey(String orderId) {
		return this.keySpace + ":order:" + orderId;
	}

	private String totalsKey() {
		return this.keySpace + ":totals";
	}

	private String customerOrdersKey() {
		return this.keySpace + ":customer-orders";
	}

	private String customerAmountsKey() {
		return this.keySpace + ":customer-amount-cents";
	}

	private static long parse(Object value) {
		return (value != null) ? Long.parseLong(value.toString()) : 0;
	}

	private static BigDecimal fromCents(long cents) {
		return BigDecimal.valueOf(cents, 2);
	}

}
