package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;

/**
 * Looks at what the binder did in Redis, with plain Lettuce commands and no binder code: entries of a
 * stream, its consumer groups and their consumers, pending entries. Also writes entries the way a
 * producer in another language would, and deletes the keys a test created.
 */
public final class StreamInspector implements AutoCloseable {

	private final RedisClient client;

	private final StatefulRedisConnection<String, String> connection;

	private StreamInspector(RedisClient client) {
		this.client = client;
		this.connection = client.connect();
	}

	/**
	 * An inspector on the test Redis of {@link RedisTestSupport}.
	 * @return a new inspector; close it after use
	 */
	public static StreamInspector connect() {
		return new StreamInspector(RedisTestSupport.client());
	}

	/**
	 * An inspector on any Redis.
	 * @param redisUrl e.g. {@code redis://127.0.0.1:6390}
	 * @return a new inspector; close it after use
	 */
	public static StreamInspector connect(String redisUrl) {
		return new StreamInspector(RedisClient.create(redisUrl));
	}

	/**
	 * The synchronous Lettuce commands, for anything this class does not cover.
	 * @return the commands
	 */
	public RedisCommands<String, String> redis() {
		return this.connection.sync();
	}

	/**
	 * Adds an entry with exactly the given fields ({@code XADD stream * field value ...}).
	 * @param stream the stream key
	 * @param fields the fields, in order
	 * @return the entry id
	 */
	public String add(String stream, Map<String, String> fields) {
		return redis().xadd(stream, fields);
	}

	public List<StreamMessage<String, String>> entries(String stream) {
		return redis().xrange(stream, Range.create("-", "+"));
	}

	public long length(String stream) {
		return redis().xlen(stream);
	}

	public boolean exists(String key) {
		return redis().exists(key) > 0;
	}

	/**
	 * The consumer groups of a stream ({@code XINFO GROUPS}), by name; an absent stream has none.
	 * @param stream the stream key
	 * @return group name to its XINFO fields ({@code consumers}, {@code pending}, {@code last-delivered-id}...)
	 */
	public Map<String, Map<String, Object>> groups(String stream) {
		Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
		if (!exists(stream)) {
			return groups;
		}
		for (Object group : redis().xinfoGroups(stream)) {
			Map<String, Object> info = pairs((List<?>) group);
			groups.put((String) info.get("name"), info);
		}
		return groups;
	}

	/**
	 * The consumers of a group ({@code XINFO CONSUMERS}).
	 * @param stream the stream key
	 * @param group the group
	 * @return the consumer names
	 */
	public List<String> consumers(String stream, String group) {
		List<String> names = new ArrayList<>();
		for (Object consumer : redis().xinfoConsumers(stream, group)) {
			names.add((String) pairs((List<?>) consumer).get("name"));
		}
		return names;
	}

	/**
	 * The pending entries of a group, oldest first ({@code XPENDING stream group - + 10000}).
	 * @param stream the stream key
	 * @param group the group
	 * @return id, owning consumer and delivery count of each pending entry
	 */
	public List<PendingMessage> pending(String stream, String group) {
		return redis().xpending(stream, group, Range.create("-", "+"), Limit.from(10_000));
	}

	/**
	 * The ids of the pending entries of a group.
	 * @param stream the stream key
	 * @param group the group
	 * @return the ids, oldest first
	 */
	public List<String> pendingIds(String stream, String group) {
		return pending(stream, group).stream().map(PendingMessage::getId).toList();
	}

	/**
	 * Deletes every key whose name contains the marker: the streams of a test class, their partition
	 * streams, dead-letter streams and idempotency markers alike.
	 * @param marker a string unique to the test class
	 */
	public void deleteKeysContaining(String marker) {
		List<String> keys = new ArrayList<>();
		ScanIterator<String> scan = ScanIterator.scan(redis(), ScanArgs.Builder.matches("*" + marker + "*").limit(500));
		scan.forEachRemaining(keys::add);
		if (!keys.isEmpty()) {
			redis().del(keys.toArray(String[]::new));
		}
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown();
	}

	private static Map<String, Object> pairs(List<?> flat) {
		Map<String, Object> map = new LinkedHashMap<>();
		for (int i = 0; i + 1 < flat.size(); i += 2) {
			map.put(String.valueOf(flat.get(i)), flat.get(i + 1));
		}
		return map;
	}

}
