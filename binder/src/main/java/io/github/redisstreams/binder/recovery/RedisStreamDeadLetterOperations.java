package io.github.redisstreams.binder.recovery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lettuce.core.ScriptOutputType;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.support.StreamEntry;
import io.github.redisstreams.binder.support.StreamKeys;

/**
 * Operates dead-letter streams: count, list, replay (back to the stream each dead letter came from, by
 * id or all) and purge. Available as a bean in the application context.
 * <p>
 * A replayed entry gets its original fields back (payload and headers, without the failure record) and a
 * new id at the end of its source stream, where every group reads it as a new entry. Replay moves each
 * dead letter atomically (one Lua script adds it to the source stream and removes it from the dead-letter
 * stream), so a message is neither lost nor replayed twice even if replays race.
 */
public class RedisStreamDeadLetterOperations implements DisposableBean {

	private static final LuaScript REPLAY = LuaScript.load("replay-dead-letter.lua");

	private static final int PAGE = 100;

	private final RedisStreamConnections connections;

	public RedisStreamDeadLetterOperations(RedisConnectionFactory connectionFactory) {
		this.connections = new RedisStreamConnections(connectionFactory);
	}

	/**
	 * The default dead-letter stream of a stream and group, as the binder names it.
	 * @param stream the source stream key
	 * @param group the consumer group
	 * @return e.g. {@code {orders}:order-service:dlq}
	 */
	public static String deadLetterStream(String stream, String group) {
		return StreamKeys.deadLetterStream(stream, group);
	}

	/**
	 * How many dead letters the stream holds.
	 */
	public long count(String deadLetterStream) {
		return commands().xlen(deadLetterStream);
	}

	/**
	 * The oldest dead letters, oldest first.
	 * @param deadLetterStream the dead-letter stream
	 * @param limit the most to return
	 * @return the dead letters
	 */
	public List<DeadLetter> list(String deadLetterStream, int limit) {
		return toDeadLetters(commands().xrange(deadLetterStream, "-", "+", limit));
	}

	/**
	 * The newest dead letters, newest first.
	 * @param deadLetterStream the dead-letter stream
	 * @param limit the most to return
	 * @return the dead letters
	 */
	public List<DeadLetter> newest(String deadLetterStream, int limit) {
		return toDeadLetters(commands().xrevrange(deadLetterStream, "+", "-", limit));
	}

	/**
	 * One dead letter.
	 */
	public Optional<DeadLetter> get(String deadLetterStream, String id) {
		return toDeadLetters(commands().xrange(deadLetterStream, id, id, 1)).stream().findFirst();
	}

	/**
	 * Puts the given dead letters back on their source streams.
	 * @param deadLetterStream the dead-letter stream
	 * @param ids the dead-letter ids
	 * @return how many were replayed (ids that are not there are skipped)
	 */
	public int replay(String deadLetterStream, Collection<String> ids) {
		int replayed = 0;
		for (String id : ids) {
			List<StreamEntry> entries = commands().xrange(deadLetterStream, id, id, 1);
			if (!entries.isEmpty() && replayOne(deadLetterStream, entries.get(0))) {
				replayed++;
			}
		}
		return replayed;
	}

	/**
	 * Puts the dead letters back on their source streams, oldest first: those the stream holds when the
	 * call begins. Entries dead-lettered meanwhile (replayed ones that fail again at once, say) are left for
	 * a later replay, so the call always ends.
	 * @param deadLetterStream the dead-letter stream
	 * @return how many were replayed
	 */
	public int replayAll(String deadLetterStream) {
		List<StreamEntry> newest = commands().xrevrange(deadLetterStream, "+", "-", 1);
		if (newest.isEmpty()) {
			return 0;
		}
		String last = newest.get(0).id();
		String from = "-";
		int replayed = 0;
		while (true) {
			List<StreamEntry> page = commands().xrange(deadLetterStream, from, last, PAGE);
			for (StreamEntry entry : page) {
				if (replayOne(deadLetterStream, entry)) {
					replayed++;
				}
			}
			if (page.size() < PAGE) {
				return replayed;
			}
			from = "(" + page.get(page.size() - 1).id();
		}
	}

	/**
	 * Deletes every dead letter.
	 * @return how many there were
	 */
	public long purge(String deadLetterStream) {
		StreamCommands commands = commands();
		long count = commands.xlen(deadLetterStream);
		commands.del(deadLetterStream);
		return count;
	}

	/**
	 * Deletes the given dead letters.
	 * @return how many were deleted
	 */
	public long delete(String deadLetterStream, Collection<String> ids) {
		return commands().xdel(deadLetterStream, ids);
	}

	@Override
	public void destroy() {
		this.connections.destroy();
	}

	private boolean replayOne(String deadLetterStream, StreamEntry entry) {
		byte[] source = entry.fields().get(DeadLetterFields.ORIGINAL_STREAM);
		if (source == null) {
			throw new IllegalStateException("Dead letter " + entry.id() + " of '" + deadLetterStream + "' has no '"
					+ DeadLetterFields.ORIGINAL_STREAM + "' field: it was not written by this binder");
		}
		ScriptArgs args = ScriptArgs.of(entry.id());
		for (Map.Entry<String, byte[]> field : entry.fields().entrySet()) {
			if (!DeadLetterFields.ALL.contains(field.getKey())) {
				args.add(field.getKey()).add(field.getValue());
			}
		}
		Object id = commands().eval(REPLAY, ScriptOutputType.VALUE,
				List.of(deadLetterStream, new String(source, StandardCharsets.UTF_8)), args);
		return id != null;
	}

	private List<DeadLetter> toDeadLetters(List<StreamEntry> entries) {
		List<DeadLetter> deadLetters = new ArrayList<>(entries.size());
		for (StreamEntry entry : entries) {
			if (!entry.isDeleted()) {
				deadLetters.add(DeadLetter.from(entry));
			}
		}
		return deadLetters;
	}

	private StreamCommands commands() {
		return this.connections.shared();
	}

}
