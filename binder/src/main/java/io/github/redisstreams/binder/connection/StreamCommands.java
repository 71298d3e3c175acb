package io.github.redisstreams.binder.connection;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.Consumer;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.models.stream.PendingMessages;

import io.github.redisstreams.binder.support.StreamEntry;

/**
 * The Redis stream commands the binder issues, over one Lettuce connection (standalone or cluster).
 * Keys and field names are text, values raw bytes. Methods that return a {@link RedisFuture} do not
 * wait; the others wait at most the connection's timeout.
 */
public class StreamCommands {

	private final StatefulConnection<byte[], byte[]> connection;

	private final RedisClusterAsyncCommands<byte[], byte[]> async;

	private final Duration timeout;

	StreamCommands(StatefulConnection<byte[], byte[]> connection, Duration timeout) {
		this.connection = connection;
		this.timeout = timeout;
		if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
			this.async = cluster.async();
		}
		else {
			this.async = ((StatefulRedisConnection<byte[], byte[]>) connection).async();
		}
	}

	StatefulConnection<byte[], byte[]> connection() {
		return this.connection;
	}

	/**
	 * Whether the connection is currently open (Lettuce reconnects by itself after a loss).
	 * @return true when connected
	 */
	public boolean isOpen() {
		return this.connection.isOpen();
	}

	// --- writes -------------------------------------------------------------------------------

	/**
	 * {@code XADD stream [trim options] * field value ...}.
	 * @param args trim options, or null for none
	 */
	public RedisFuture<String> xaddAsync(String stream, XAddArgs args, Map<byte[], byte[]> fields) {
		return (args != null) ? this.async.xadd(bytes(stream), args, fields) : this.async.xadd(bytes(stream), fields);
	}

	public long xtrim(String stream, XTrimArgs args) {
		return await(this.async.xtrim(bytes(stream), args));
	}

	public long xdel(String stream, Collection<String> ids) {
		if (ids.isEmpty()) {
			return 0;
		}
		return await(this.async.xdel(bytes(stream), ids.toArray(String[]::new)));
	}

	public long del(String key) {
		return await(this.async.del(bytes(key)));
	}

	// --- reads --------------------------------------------------------------------------------

	/**
	 * {@code XREADGROUP GROUP group consumer COUNT count [BLOCK ms] STREAMS stream offset}.
	 * @param offset {@link GroupOffset#NEW_ENTRIES} for new entries, or a position in the consumer's own pending
	 * entries
	 * @param block how long to block, or null not to block
	 * @return the entries, empty when none arrived within the block time
	 */
	public List<StreamEntry> xreadgroup(String stream, String group, String consumer, GroupOffset offset, int count,
			Duration block) {
		XReadArgs args = XReadArgs.Builder.count(count);
		if (block != null) {
			args.block(block);
		}
		List<StreamMessage<byte[], byte[]>> messages = await(this.async.xreadgroup(
				Consumer.from(bytes(group), bytes(consumer)), args, XReadArgs.StreamOffset.from(bytes(stream), offset.value())));
		if (messages == null || messages.isEmpty()) {
			return Collections.emptyList();
		}
		List<StreamEntry> entries = new ArrayList<>(messages.size());
		for (StreamMessage<byte[], byte[]> message : messages) {
			entries.add(StreamReplies.entry(message.getId(), message.getBody()));
		}
		return entries;
	}

	public List<StreamEntry> xrange(String stream, String from, String to, int count) {
		List<StreamMessage<byte[], byte[]>> messages = await(
				this.async.xrange(bytes(stream), Range.create(from, to), Limit.from(count)));
		List<StreamEntry> entries = new ArrayList<>(messages.size());
		for (StreamMessage<byte[], byte[]> message : messages) {
			entries.add(StreamReplies.entry(message.getId(), message.getBody()));
		}
		return entries;
	}

	public List<StreamEntry> xrevrange(String stream, String from, String to, int count) {
		List<StreamMessage<byte[], byte[]>> messages = await(
				this.async.xrevrange(bytes(stream), Range.create(to, from), Limit.from(count)));
		List<StreamEntry> entries = new ArrayList<>(messages.size());
		for (StreamMessage<byte[], byte[]> message : messages) {
			entries.add(StreamReplies.entry(message.getId(), message.getBody()));
		}
		return entries;
	}

	public long xlen(String stream) {
		return await(this.async.xlen(bytes(stream)));
	}

	public boolean exists(String key) {
		return await(this.async.exists(bytes(key))) > 0;
	}

	/**
	 * Which of the keys exist with a value ({@code MGET}).
	 * @param keys the keys
	 * @return the keys that have a value
	 */
	public Set<String> mget(List<String> keys) {
		byte[][] raw = keys.stream().map(StreamCommands::bytes).toArray(byte[][]::new);
		List<KeyValue<byte[], byte[]>> values = await(this.async.mget(raw));
		Set<String> present = new HashSet<>();
		for (KeyValue<byte[], byte[]> value : values) {
			if (value.hasValue()) {
				present.add(StreamReplies.text(value.getKey()));
			}
		}
		return present;
	}

	// --- consumer groups ----------------------------------------------------------------------

	/**
	 * {@code XACK}, waiting for the reply.
	 * @return how many entries were acknowledged
	 */
	public long xack(String stream, String group, Collection<String> ids) {
		return await(xackAsync(stream, group, ids));
	}

	public RedisFuture<Long> xackAsync(String stream, String group, Collection<String> ids) {
		return this.async.xack(bytes(stream), bytes(group), ids.toArray(String[]::new));
	}

	/**
	 * {@code XGROUP CREATE stream group offset MKSTREAM}.
	 * @return true when the group was created, false when it existed already
	 */
	public boolean xgroupCreate(String stream, String group, GroupOffset offset) {
		try {
			await(this.async.xgroupCreate(XReadArgs.StreamOffset.from(bytes(stream), offset.value()), bytes(group),
					XGroupCreateArgs.Builder.mkstream(true)));
			return true;
		}
		catch (RedisBusyException ex) {
			return false;
		}
		catch (RedisCommandExecutionException ex) {
			if (RedisErrors.isBusyGroup(ex)) {
				return false;
			}
			throw ex;
		}
	}

	/**
	 * {@code XGROUP CREATECONSUMER}: makes the consumer visible in the group ({@code XINFO CONSUMERS}) before
	 * it is delivered anything, which a blocking {@code XREADGROUP} that returns nothing does not do.
	 */
	public void xgroupCreateconsumer(String stream, String group, String consumer) {
		await(this.async.xgroupCreateconsumer(bytes(stream), Consumer.from(bytes(group), bytes(consumer))));
	}

	public boolean xgroupDestroy(String stream, String group) {
		return xgroupDestroy(stream, group, this.timeout);
	}

	/**
	 * {@code XGROUP DESTROY}, waiting at most the given time.
	 */
	public boolean xgroupDestroy(String stream, String group, Duration timeout) {
		return Boolean.TRUE.equals(await(this.async.xgroupDestroy(bytes(stream), bytes(group)), timeout));
	}

	/**
	 * Pending entries of a group idle for at least {@code minIdle}, oldest first, from an id on
	 * ({@code XPENDING stream group IDLE ms from + count}).
	 */
	public List<PendingMessage> xpending(String stream, String group, Duration minIdle, String fromId, int count) {
		return await(this.async.xpending(bytes(stream), XPendingArgs.Builder
			.xpending(bytes(group), Range.create(fromId, "+"), Limit.from(count))
			.idle(minIdle)));
	}

	/**
	 * Pending entries of one consumer, oldest first, from an id on
	 * ({@code XPENDING stream group from + count consumer}).
	 */
	public List<PendingMessage> xpending(String stream, String group, String consumer, String fromId, int count) {
		return await(this.async.xpending(bytes(stream), Consumer.from(bytes(group), bytes(consumer)),
				Range.create(fromId, "+"), Limit.from(count)));
	}

	/**
	 * The command timeout of the connection: the longest a synchronous command waits for its reply.
	 */
	public Duration timeout() {
		return this.timeout;
	}

	/**
	 * The oldest pending entries of a group, oldest first ({@code XPENDING stream group - + count}).
	 */
	public List<PendingMessage> xpending(String stream, String group, int count) {
		return await(this.async.xpending(bytes(stream), bytes(group), Range.create("-", "+"), Limit.from(count)));
	}

	public PendingMessages xpending(String stream, String group) {
		return await(this.async.xpending(bytes(stream), bytes(group)));
	}

	/**
	 * {@code XINFO GROUPS}; empty when the stream does not exist.
	 */
	public List<GroupInfo> xinfoGroups(String stream) {
		List<Object> reply;
		try {
			reply = await(this.async.xinfoGroups(bytes(stream)));
		}
		catch (RedisCommandExecutionException ex) {
			if (RedisErrors.isNoSuchKey(ex)) {
				return Collections.emptyList();
			}
			throw ex;
		}
		List<GroupInfo> groups = new ArrayList<>(reply.size());
		for (Object element : reply) {
			groups.add(GroupInfo.from(StreamReplies.fields((List<?>) element)));
		}
		return groups;
	}

	/**
	 * {@code XINFO CONSUMERS}.
	 */
	public List<ConsumerInfo> xinfoConsumers(String stream, String group) {
		List<Object> reply = await(this.async.xinfoConsumers(bytes(stream), bytes(group)));
		List<ConsumerInfo> consumers = new ArrayList<>(reply.size());
		for (Object element : reply) {
			consumers.add(ConsumerInfo.from(StreamReplies.fields((List<?>) element)));
		}
		return consumers;
	}

	// --- scripts ------------------------------------------------------------------------------

	/**
	 * Runs a script by its digest and loads it on a node that does not know it yet.
	 */
	public <T> T eval(LuaScript script, ScriptOutputType type, List<String> keys, ScriptArgs args) {
		byte[][] keyBytes = keys.stream().map(StreamCommands::bytes).toArray(byte[][]::new);
		byte[][] argBytes = args.toArray();
		try {
			return await(this.async.evalsha(script.sha1(), type, keyBytes, argBytes));
		}
		catch (RedisNoScriptException ex) {
			return await(this.async.eval(script.source(), type, keyBytes, argBytes));
		}
	}

	/**
	 * Like {@link #eval}, without waiting for the reply.
	 */
	public <T> CompletableFuture<T> evalAsync(LuaScript script, ScriptOutputType type, List<String> keys,
			ScriptArgs args) {
		byte[][] keyBytes = keys.stream().map(StreamCommands::bytes).toArray(byte[][]::new);
		byte[][] argBytes = args.toArray();
		CompletableFuture<T> bySha = this.async.<T>evalsha(script.sha1(), type, keyBytes, argBytes).toCompletableFuture();
		return bySha.exceptionallyCompose((ex) -> {
			Throwable cause = (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
			if (cause instanceof RedisNoScriptException) {
				return this.async.<T>eval(script.source(), type, keyBytes, argBytes).toCompletableFuture();
			}
			return CompletableFuture.failedFuture(cause);
		});
	}

	// --- plumbing -----------------------------------------------------------------------------

	/**
	 * Waits for a reply at most the connection's timeout.
	 * @throws RedisException on a Redis error, a timeout or an interrupt
	 */
	private <T> T await(RedisFuture<T> future) {
		return await(future, this.timeout);
	}

	/**
	 * Waits for a reply at most the given time.
	 * @throws RedisException on a Redis error, a timeout or an interrupt
	 */
	private <T> T await(RedisFuture<T> future, Duration timeout) {
		try {
			return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			future.cancel(true);
			throw new RedisCommandInterruptedException(ex);
		}
		catch (TimeoutException ex) {
			future.cancel(true);
			throw new RedisCommandTimeoutException("No reply from Redis within " + timeout);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof RedisException redisException) {
				throw redisException;
			}
			throw new RedisException(cause);
		}
	}

	public static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
