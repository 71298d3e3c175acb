package io.github.redisstreams.sample.analytics;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

import io.github.redisstreams.sample.SampleProperties;
import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.storage.KeySnapshot;

/**
 * A small analytics read model in Redis, fed in batches by {@link AnalyticsUpdater}: orders per SKU,
 * orders per SKU in each of the last minutes (by when the order was placed), and what the batches looked
 * like. Its keys are under the sample's hash tag: {@code {<key-space>}:analytics:...}.
 * <p>
 * A batch is added with one Lua script, {@code record-batch.lua}: one round trip to Redis for the whole
 * batch instead of one per order, and atomic. The script counts each order once per orderId: it sets a
 * marker {@code {<key-space>}:analytics:counted:<orderId>} (kept for {@link #COUNTED_TTL}) with the counts,
 * so a batch delivered again after a crash between the script and the acknowledgement changes no count.
 * The batch figures ({@link AnalyticsReport.Batches}) count handler calls, redeliveries included.
 */
@Component
public class OrderAnalytics {

	/**
	 * How long an order's counted marker is kept: a copy of the order delivered later than that (a
	 * producer sending it again days later) is counted again. Longer than any redelivery window of the
	 * sample, unless the application stays down for a week with entries pending.
	 */
	public static final Duration COUNTED_TTL = Duration.ofDays(7);

	/** How many minutes the report shows, the current one included. */
	public static final int MINUTES_SHOWN = 10;

	/** How long a minute's counts are kept: longer than the minutes shown. */
	static final Duration MINUTE_TTL = Duration.ofHours(1);

	/** How many of the newest batch sizes the report shows. */
	static final int RECENT_BATCHES = 10;

	private static final String NO_SKU = "(none)";

	private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm'Z'")
		.withZone(ZoneOffset.UTC);

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> RECORD_BATCH = RedisScript
		.of(new ClassPathResource("io/github/redisstreams/sample/analytics/record-batch.lua"), List.class);

	private final StringRedisTemplate redis;

	private final KeySnapshot snapshot;

	private final String keySpace;

	public OrderAnalytics(StringRedisTemplate redis, KeySnapshot snapshot, SampleProperties properties) {
		this.redis = redis;
		this.snapshot = snapshot;
		this.keySpace = "{" + properties.keySpace() + "}";
	}

	/**
	 * Adds a batch: counts each order not counted before, and records the batch's size. One call to Redis.
	 * @param entries how many orders the batch had, the invalid ones left out of {@code orders} included
	 * @param orders the valid orders of the batch, in stream order
	 * @return what the batch changed
	 */
	public Recorded record(int entries, List<Order> orders) {
		List<String> keys = new ArrayList<>(3 + 2 * orders.size());
		keys.add(summaryKey());
		keys.add(skuKey());
		keys.add(recentBatchesKey());
		List<String> args = new ArrayList<>(4 + orders.size());
		args.add(Long.toString(COUNTED_TTL.toSeconds()));
		args.add(Long.toString(MINUTE_TTL.toSeconds()));
		args.add(Integer.toString(entries));
		args.add(Integer.toString(RECENT_BATCHES));
		for (Order order : orders) {
			Instant placed = (order.createdAt() != null) ? order.createdAt() : Instant.now();
			keys.add(countedKey(order.orderId()));
			keys.add(minuteKey(placed));
			args.add(StringUtils.hasText(order.sku()) ? order.sku() : NO_SKU);
		}
		List<?> result = this.redis.execute(RECORD_BATCH, keys, args.toArray());
		return new Recorded(((Number) result.get(0)).intValue(), ((Number) result.get(1)).intValue());
	}

	/**
	 * The analytics, read at one instant (see {@link KeySnapshot}) so that the figures agree with each other.
	 * @return the report
	 */
	public AnalyticsReport report() {
		Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
		List<String> minutes = new ArrayList<>(MINUTES_SHOWN);
		for (int i = MINUTES_SHOWN - 1; i >= 0; i--) {
			minutes.add(MINUTE.format(now.minus(i, ChronoUnit.MINUTES)));
		}
		KeySnapshot.Read read = this.snapshot.read().hash(summaryKey()).hash(skuKey()).list(recentBatchesKey());
		minutes.forEach((minute) -> read.hash(minuteKey(minute)));
		List<Object> replies = read.execute();
		Map<?, ?> summary = (Map<?, ?>) replies.get(0);
		Map<String, Long> perSku = counts((Map<?, ?>) replies.get(1));
		List<Long> recent = ((List<?>) replies.get(2)).stream().map(OrderAnalytics::parse).toList();
		Map<String, Map<String, Long>> perMinute = new LinkedHashMap<>();
		for (int i = 0; i < minutes.size(); i++) {
			Map<String, Long> counts = counts((Map<?, ?>) replies.get(3 + i));
			if (!counts.isEmpty()) {
				perMinute.put(minutes.get(i), counts);
			}
		}
		AnalyticsReport.Batches batches = new AnalyticsReport.Batches(parse(summary.get("batches")),
				parse(summary.get("batch-entries")), parse(summary.get("largest-batch")), recent);
		return new AnalyticsReport(parse(summary.get("orders")), parse(summary.get("duplicates")), perSku, perMinute,
				batches);
	}

	private String summaryKey() {
		return this.keySpace + ":analytics:summary";
	}

	private String skuKey() {
		return this.keySpace + ":analytics:sku-orders";
	}

	private String recentBatchesKey() {
		return this.keySpace + ":analytics:recent-batches";
	}

	private String countedKey(String orderId) {
		return this.keySpace + ":analytics:counted:" + orderId;
	}

	private String minuteKey(Instant placed) {
		return minuteKey(MINUTE.format(placed));
	}

	private String minuteKey(String minute) {
		return this.keySpace + ":analytics:minute:" + minute;
	}

	private static Map<String, Long> counts(Map<?, ?> hash) {
		Map<String, Long> counts = new TreeMap<>();
		hash.forEach((field, value) -> counts.put((String) field, parse(value)));
		return counts;
	}

	private static long parse(Object value) {
		return (value != null) ? Long.parseLong(value.toString()) : 0;
	}

	/**
	 * What adding a batch changed.
	 *
	 * @param counted orders counted now
	 * @param duplicates orders that had been counted before, and were not counted again
	 */
	public record Recorded(int counted, int duplicates) {

	}

}
