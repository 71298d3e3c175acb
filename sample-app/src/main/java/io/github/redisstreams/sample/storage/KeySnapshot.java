package io.github.redisstreams.sample.storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Reads hashes and lists that belong together (the sample's totals, its analytics) at one instant, with one
 * Lua script ({@code read-keys.lua}): one round trip, and no write in between, so the figures agree with each
 * other. A script, unlike {@code MULTI}, runs on a Redis Cluster too, as long as the keys share one hash slot
 * (the sample's keys all carry the hash tag {@code {<key-space>}}).
 */
@Component
public class KeySnapshot {

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> READ_KEYS = RedisScript
		.of(new ClassPathResource("io/github/redisstreams/sample/storage/read-keys.lua"), List.class);

	private final StringRedisTemplate redis;

	public KeySnapshot(StringRedisTemplate redis) {
		this.redis = redis;
	}

	/**
	 * Starts a read of keys in one hash slot.
	 * @return a read to add keys to
	 */
	public Read read() {
		return new Read();
	}

	/**
	 * Keys to read together, in order.
	 */
	public final class Read {

		private final List<String> keys = new ArrayList<>();

		private final List<String> kinds = new ArrayList<>();

		private Read() {
		}

		public Read hash(String key) {
			return add(key, "hash");
		}

		public Read list(String key) {
			return add(key, "list");
		}

		private Read add(String key, String kind) {
			this.keys.add(key);
			this.kinds.add(kind);
			return this;
		}

		/**
		 * Reads the keys.
		 * @return one value per key, in the order they were added: a {@code Map<String, String>} for a hash,
		 * a {@code List<String>} for a list; empty for a key that does not exist
		 */
		public List<Object> execute() {
			List<?> replies = KeySnapshot.this.redis.execute(READ_KEYS, this.keys, this.kinds.toArray());
			List<Object> values = new ArrayList<>(this.keys.size());
			for (int i = 0; i < this.keys.size(); i++) {
				List<?> reply = (replies != null) ? (List<?>) replies.get(i) : List.of();
				values.add("list".equals(this.kinds.get(i)) ? strings(reply) : hash(reply));
			}
			return values;
		}

		private static List<String> strings(List<?> reply) {
			return reply.stream().map(String::valueOf).toList();
		}

		private static Map<String, String> hash(List<?> reply) {
			Map<String, String> hash = new LinkedHashMap<>();
			for (int i = 0; i + 1 < reply.size(); i += 2) {
				hash.put(String.valueOf(reply.get(i)), String.valueOf(reply.get(i + 1)));
			}
			return hash;
		}

	}

}
