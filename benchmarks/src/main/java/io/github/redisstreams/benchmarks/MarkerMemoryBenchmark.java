package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * What an idempotency marker costs Redis in memory: the binder's layout, one key per processed business key
 * ({@code SET <tagged stream>:<group>:processed:<key> 1 PX <ttl>}, as {@code ack-and-mark.lua} writes it), against
 * a compact alternative, markers as fields of time-bucketed hashes that expire as a whole. Each layout is written
 * for {@code markers} business keys, and measured by the growth of {@code INFO memory used_memory} (which includes
 * the keyspace's and the expiry table's entries) and by {@code MEMORY USAGE} of the keys; then deleted again.
 */
final class MarkerMemoryBenchmark {

	/** The marker prefix of a stream {@code orders} and group {@code billing}, as the binder builds it. */
	static final String PREFIX = "{bench:orders}:billing:processed:";

	private static final long TTL_MILLIS = Duration.ofHours(24).toMillis();

	private final String redisUrl;

	private final RedisAdmin admin;

	private final int markers;

	MarkerMemoryBenchmark(String redisUrl, RedisAdmin admin, int markers) {
		this.redisUrl = redisUrl;
		this.admin = admin;
		this.markers = markers;
	}

	List<MarkerResult> run() {
		List<MarkerResult> results = new ArrayList<>();
		RedisClient client = RedisClient.create(this.redisUrl);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			connection.setAutoFlushCommands(false);
			RedisAsyncCommands<String, String> redis = connection.async();
			results.add(keyPerMarker(connection, redis, "order-", "a key per marker (binder), key `order-<n>`"));
			results.add(keyPerMarker(connection, redis, null, "a key per marker (binder), key a UUID"));
			results.add(bucketed(connection, redis, this.markers, "one hash per time bucket, all markers in one bucket "
					+ "(hashtable encoding), key a UUID"));
			results.add(bucketed(connection, redis, 100, "hashes of 100 markers each (listpack encoding), key a UUID"));
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
		results.forEach((result) -> Progress.log("markers: " + result.layout() + ": " + String.format(
				"%.1f B per marker (used_memory), %.1f B (MEMORY USAGE)", result.usedMemoryBytes(),
				result.memoryUsageBytes())));
		return results;
	}

	private MarkerResult keyPerMarker(StatefulRedisConnection<String, String> connection,
			RedisAsyncCommands<String, String> redis, String shortPrefix, String layout) {
		List<String> keys = new ArrayList<>(this.markers);
		for (int i = 0; i < this.markers; i++) {
			keys.add(PREFIX + ((shortPrefix != null) ? shortPrefix + i : UUID.randomUUID().toString()));
		}
		long before = this.admin.usedMemory();
		SetArgs px = SetArgs.Builder.px(TTL_MILLIS);
		List<RedisFuture<?>> replies = new ArrayList<>();
		for (String key : keys) {
			replies.add(redis.set(key, "1", px));
			flushEvery(connection, replies, 1000);
		}
		flushEvery(connection, replies, 1);
		long grown = this.admin.usedMemory() - before;
		long sampled = 0;
		int samples = Math.min(1000, keys.size());
		for (int i = 0; i < samples; i++) {
			sampled += this.admin.memoryUsage(keys.get(i * (keys.size() / samples)));
		}
		delete(connection, redis, keys);
		return new MarkerResult(layout, this.markers, averageKeyBytes(keys), grown / (double) this.markers,
				sampled / (double) samples);
	}

	/** Markers as hash fields, {@code perHash} to a hash, each hash with the TTL of its bucket. */
	private MarkerResult bucketed(StatefulRedisConnection<String, String> connection,
			RedisAsyncCommands<String, String> redis, int perHash, String layout) {
		List<String> fields = new ArrayList<>(this.markers);
		for (int i = 0; i < this.markers; i++) {
			fields.add(UUID.randomUUID().toString());
		}
		List<String> hashes = new ArrayList<>();
		long before = this.admin.usedMemory();
		List<RedisFuture<?>> replies = new ArrayList<>();
		for (int i = 0; i < this.markers; i++) {
			String hash = PREFIX + "bucket:" + (i / perHash);
			if (i % perHash == 0) {
				hashes.add(hash);
			}
			replies.add(redis.hset(hash, fields.get(i), "1"));
			if (i % perHash == perHash - 1 || i == this.markers - 1) {
				replies.add(redis.pexpire(hash, TTL_MILLIS));
			}
			flushEvery(connection, replies, 1000);
		}
		flushEvery(connection, replies, 1);
		long grown = this.admin.usedMemory() - before;
		long usage = 0;
		for (String hash : hashes) {
			usage += this.admin.memoryUsage(hash);
		}
		delete(connection, redis, hashes);
		return new MarkerResult(layout, this.markers, averageKeyBytes(fields), grown / (double) this.markers,
				usage / (double) this.markers);
	}

	private static double averageKeyBytes(List<String> keys) {
		return keys.stream().mapToInt(String::length).average().orElse(0);
	}

	private static void delete(StatefulRedisConnection<String, String> connection,
			RedisAsyncCommands<String, String> redis, List<String> keys) {
		List<RedisFuture<?>> replies = new ArrayList<>();
		for (int i = 0; i < keys.size(); i += 1000) {
			replies.add(redis.unlink(keys.subList(i, Math.min(keys.size(), i + 1000)).toArray(String[]::new)));
			flushEvery(connection, replies, 10);
		}
		flushEvery(connection, replies, 1);
	}

	/** Writes out and awaits the commands once {@code every} of them are queued. */
	private static void flushEvery(StatefulRedisConnection<String, String> connection, List<RedisFuture<?>> replies,
			int every) {
		if (replies.size() < every) {
			return;
		}
		connection.flushCommands();
		for (RedisFuture<?> reply : replies) {
			try {
				reply.get();
			}
			catch (Exception ex) {
				throw new ScenarioFailedException("marker write failed: " + ex);
			}
		}
		replies.clear();
	}

	/**
	 * @param layout how the markers are kept
	 * @param markers how many were written
	 * @param keyBytes mean length of the business key part
	 * @param usedMemoryBytes growth of {@code used_memory} per marker
	 * @param memoryUsageBytes {@code MEMORY USAGE} per marker (a sample of the keys, or every hash over its markers)
	 */
	record MarkerResult(String layout, int markers, double keyBytes, double usedMemoryBytes, double memoryUsageBytes) {
	}

}
