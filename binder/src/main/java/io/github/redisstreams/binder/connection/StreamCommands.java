package io.github.redisstreams.binder.connection;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.Consumer;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
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
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.models.stream.PendingMessages;

import io.github.redisstreams.binder.support.StreamEntry;
import io.github.redisstreams.binder.support.StreamKeys;

/**
 * The Redis stream commands the binder issues, over one Lettuce connection (standalone or cluster).
 * Keys and field names are text, values raw bytes. Methods that return a {@link RedisFuture} do not
 * wait; the others wait at most the connection's timeout.
 * <p>
 * A command that Redis refuses (a missing ACL permission) fails with Redis's reply completed by the
 * command and keys the binder sent and the Redis user, since Redis's own reply names neither the key nor,
 * for a command called by a script, the command; the refusal is recorded in the connections'
 * {@link RedisRefusals} until the same command succeeds on the same keys.
 */
public class StreamCommands {

	private final StatefulConnection<byte[], byte[]> connection;

	private final RedisClusterAsyncCommands<byte[], byte[]> async;

	private final Duration timeout;

	private final RedisRefusals refusals;

	/** How many times the connection was lost: a command sent again after a reconnection runs on a new link. */
	private final AtomicLong disconnections = new AtomicLong();

	/** The blocking read under way, if any (only the reading loop of a dedicated connection reads). */
	private volatile ReadInFlight readInFlight;

	StreamCommands(StatefulConnection<byte[], byte[]> connection, Duration timeout, RedisRefusals refusals) {
		this.connection = connection;
		this.timeout = timeout;
		this.refusals = refusals;
		if (connection instanceof RedisChannelHandler<?, ?> handler) {
			handler.addListener(new RedisConnectionStateListener() {
				@Override
				public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
					StreamCommands.this.disconnections.incrementAndGet();
				}
			});
		}
		if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
			this.async = cluster.async();
		}
		else {
			this.async = ((StatefulRedisConnection<byte[], byte[]>) connection).async();
		}
	}

	/**
	 * Gives up the read under way on this connection if it was sent to one of the given cluster nodes: on a cluster
	 * whose node died, the read waits on that node's connection for the whole command timeout (60 s by default),
	 * although another node serves the slot now. The reader gets a {@link RedisException} and reads again, from the
	 * new owner; entries the cancelled read may have received stay pending and are claimed again.
	 * @param failedOwner whether the read of a slot sent to a node (its id) must be given up
	 * @return whether a read was cancelled
	 */
	boolean cancelReadOn(SlotOwnerTest failedOwner) {
		ReadInFlight read = this.readInFlight;
		if (read == null || read.node() == null || !failedOwner.test(read.slot(), read.node())) {
			return false;
		}
		return read.cancel();
	}

	/** Whether a read of a slot sent to a node must be given up. */
	@FunctionalInterface
	interface SlotOwnerTest {

		boolean test(int slot, String nodeId);

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
		RedisFuture<String> reply = (args != null) ? this.async.xadd(bytes(stream), args, fields)
				: this.async.xadd(bytes(stream), fields);
		// the caller keeps the future itself (cancelling it drops a write still queued): observed, not wrapped
		observe("XADD", stream, reply);
		return reply;
	}

	public long xtrim(String stream, XTrimArgs args) {
		return await("XTRIM", stream, this.async.xtrim(bytes(stream), args));
	}

	public long xdel(String stream, Collection<String> ids) {
		if (ids.isEmpty()) {
			return 0;
		}
		return await("XDEL", stream, this.async.xdel(bytes(stream), ids.toArray(String[]::new)));
	}

	public long del(String key) {
		return await("DEL", key, this.async.del(bytes(key)));
	}

	/**
	 * The connection's generation: it grows each time the connection is lost. Lettuce sends the commands that had
	 * no reply again after reconnecting, possibly to another server (a new master): a {@code WAIT} answered in a
	 * later generation than a write says nothing about that write.
	 * @return a number that grows with each loss of the connection
	 */
	public long generation() {
		return this.disconnections.get();
	}

	/**
	 * {@code WAIT replicas timeout}: how many replicas have received the writes this connection made before it.
	 * Blocks the connection until then or until the timeout.
	 */
	public RedisFuture<Long> waitAsync(int replicas, Duration timeout) {
		return this.async.waitForReplication(replicas, timeout.toMillis());
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
		// known before the read is sent, so that a topology change while it is sent still finds it
		int slot = SlotHash.getSlot(bytes(stream));
		ReadInFlight inFlight = new ReadInFlight(slot, ownerNode(slot));
		this.readInFlight = inFlight;
		List<StreamMessage<byte[], byte[]>> messages;
		try {
			RedisFuture<List<StreamMessage<byte[], byte[]>>> read = this.async.xreadgroup(
					Consumer.from(bytes(group), bytes(consumer)), args, XReadArgs.StreamOffset.from(bytes(stream), offset.value()));
			inFlight.sent(read);
			messages = await("XREADGROUP", stream, read);
		}
		catch (CancellationException ex) {
			throw new RedisException("The read of stream '" + stream + "' was given up: the Redis Cluster node serving "
					+ "its slot changed while it waited", ex);
		}
		finally {
			this.readInFlight = null;
		}
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
		List<StreamMessage<byte[], byte[]>> messages = await("XRANGE", stream,
				this.async.xrange(bytes(stream), Range.create(from, to), Limit.from(count)));
		List<StreamEntry> entries = new ArrayList<>(messages.size());
		for (StreamMessage<byte[], byte[]> message : messages) {
			entries.add(StreamReplies.entry(message.getId(), message.getBody()));
		}
		return entries;
	}

	public List<StreamEntry> xrevrange(String stream, String from, String to, int count) {
		List<StreamMessage<byte[], byte[]>> messages = await("XREVRANGE", stream,
				this.async.xrevrange(bytes(stream), Range.create(to, from), Limit.from(count)));
		List<StreamEntry> entries = new ArrayList<>(messages.size());
		for (StreamMessage<byte[], byte[]> message : messages) {
			entries.add(StreamReplies.entry(message.getId(), message.getBody()));
		}
		return entries;
	}

	public long xlen(String stream) {
		return await("XLEN", stream, this.async.xlen(bytes(stream)));
	}

	/**
	 * {@code EXISTS}, for an advisory check only: a refusal fails the call but is not recorded as one of the
	 * binder's (a least-privilege user need not see keys outside its streams).
	 */
	public boolean exists(String key) {
		return await(this.async.exists(bytes(key)), this.timeout) > 0;
	}

	/**
	 * Which of the keys exist with a value ({@code MGET}).
	 * @param keys the keys
	 * @return the keys that have a value
	 */
	public Set<String> mget(List<String> keys) {
		byte[][] raw = keys.stream().map(StreamCommands::bytes).toArray(byte[][]::new);
		List<KeyValue<byte[], byte[]>> values = await("MGET", keys, this.async.mget(raw));
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
		return await("XACK", stream, this.async.xack(bytes(stream), bytes(group), ids.toArray(String[]::new)));
	}

	public RedisFuture<Long> xackAsync(String stream, String group, Collection<String> ids) {
		RedisFuture<Long> reply = this.async.xack(bytes(stream), bytes(group), ids.toArray(String[]::new));
		observe("XACK", stream, reply);
		return reply;
	}

	/**
	 * {@code XGROUP CREATE stream group offset MKSTREAM}.
	 * @return true when the group was created, false when it existed already
	 */
	public boolean xgroupCreate(String stream, String group, GroupOffset offset) {
		try {
			await("XGROUP CREATE", stream, this.async.xgroupCreate(
					XReadArgs.StreamOffset.from(bytes(stream), offset.value()), bytes(group),
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
		await("XGROUP CREATECONSUMER", stream,
				this.async.xgroupCreateconsumer(bytes(stream), Consumer.from(bytes(group), bytes(consumer))));
	}

	public boolean xgroupDestroy(String stream, String group) {
		return xgroupDestroy(stream, group, this.timeout);
	}

	/**
	 * {@code XGROUP DESTROY}, waiting at most the given time.
	 */
	public boolean xgroupDestroy(String stream, String group, Duration timeout) {
		return Boolean.TRUE.equals(
				await("XGROUP DESTROY", stream, this.async.xgroupDestroy(bytes(stream), bytes(group)), timeout));
	}

	/**
	 * Pending entries of a group idle for at least {@code minIdle}, oldest first, from an id on
	 * ({@code XPENDING stream group IDLE ms from + count}).
	 */
	public List<PendingMessage> xpending(String stream, String group, Duration minIdle, String fromId, int count) {
		return await("XPENDING", stream, this.async.xpending(bytes(stream), XPendingArgs.Builder
			.xpending(bytes(group), Range.create(fromId, "+"), Limit.from(count))
			.idle(minIdle)));
	}

	/**
	 * Pending entries of one consumer, oldest first, from an id on
	 * ({@code XPENDING stream group from + count consumer}).
	 */
	public List<PendingMessage> xpending(String stream, String group, String consumer, String fromId, int count) {
		return await("XPENDING", stream, this.async.xpending(bytes(stream),
				Consumer.from(bytes(group), bytes(consumer)), Range.create(fromId, "+"), Limit.from(count)));
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
		return await("XPENDING", stream,
				this.async.xpending(bytes(stream), bytes(group), Range.create("-", "+"), Limit.from(count)));
	}

	public PendingMessages xpending(String stream, String group) {
		return await("XPENDING", stream, this.async.xpending(bytes(stream), bytes(group)));
	}

	/**
	 * {@code XINFO GROUPS}; empty when the stream does not exist.
	 */
	public List<GroupInfo> xinfoGroups(String stream) {
		List<Object> reply;
		try {
			reply = await("XINFO GROUPS", stream, this.async.xinfoGroups(bytes(stream)));
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
		List<Object> reply = await("XINFO CONSUMERS", stream, this.async.xinfoConsumers(bytes(stream), bytes(group)));
		List<ConsumerInfo> consumers = new ArrayList<>(reply.size());
		for (Object element : reply) {
			consumers.add(ConsumerInfo.from(StreamReplies.fields((List<?>) element)));
		}
		return consumers;
	}

	/**
	 * {@code INFO server}, for the version check. A refusal (ACL) is not recorded among the binder's
	 * refusals: INFO is optional, none of the binder's work needs it.
	 */
	public String infoServer() {
		return await(this.async.info("server"), this.timeout);
	}

	// --- scripts ------------------------------------------------------------------------------

	/**
	 * Runs a script by its digest and loads it on a node that does not know it yet.
	 */
	public <T> T eval(LuaScript script, ScriptOutputType type, List<String> keys, ScriptArgs args) {
		byte[][] keyBytes = keys.stream().map(StreamCommands::bytes).toArray(byte[][]::new);
		byte[][] argBytes = args.toArray();
		try {
			return await(script, keys, this.async.evalsha(script.sha1(), type, keyBytes, argBytes));
		}
		catch (RedisNoScriptException ex) {
			return await(script, keys, this.async.eval(script.source(), type, keyBytes, argBytes));
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
		CompletableFuture<T> reply = bySha.exceptionallyCompose((ex) -> {
			Throwable cause = unwrap(ex);
			if (cause instanceof RedisNoScriptException) {
				return this.async.<T>eval(script.source(), type, keyBytes, argBytes).toCompletableFuture();
			}
			return CompletableFuture.failedFuture(cause);
		});
		return reply.handle((result, ex) -> {
			if (ex == null) {
				accepted(script, keys);
				return result;
			}
			Throwable cause = unwrap(ex);
			throw new CompletionException(RedisErrors.isNoPermission(cause) ? refused(script, keys, cause) : cause);
		});
	}

	// --- plumbing -----------------------------------------------------------------------------

	/**
	 * Waits for the reply of a command at most the connection's timeout, and records whether Redis refused it.
	 * @param command the command, or the {@link LuaScript}, for the message of a refusal
	 * @param keys its key, or its keys (a list)
	 * @throws RedisException on a Redis error, a timeout or an interrupt
	 */
	private <T> T await(Object command, Object keys, RedisFuture<T> future) {
		return await(command, keys, future, this.timeout);
	}

	private <T> T await(Object command, Object keys, RedisFuture<T> future, Duration timeout) {
		T reply;
		try {
			reply = await(future, timeout);
		}
		catch (RedisException ex) {
			throw refused(command, keys, ex);
		}
		accepted(command, keys);
		return reply;
	}

	/**
	 * Records the outcome of a command whose future the caller keeps.
	 */
	private void observe(Object command, Object keys, RedisFuture<?> future) {
		future.whenComplete((result, ex) -> {
			if (ex == null) {
				accepted(command, keys);
			}
			else {
				Throwable cause = unwrap(ex);
				if (RedisErrors.isNoPermission(cause)) {
					this.refusals.refused(what(command, keys), cause);
				}
			}
		});
	}

	private void accepted(Object command, Object keys) {
		if (this.refusals.any()) {
			this.refusals.accepted(what(command, keys));
		}
	}

	/**
	 * A failure of a command: when Redis refused it (ACL), recorded, and completed with the command, its keys
	 * and the user, which Redis's reply does not name.
	 * @return the failure to throw
	 */
	private RuntimeException refused(Object command, Object keys, Throwable ex) {
		if (!RedisErrors.isNoPermission(ex)) {
			return (ex instanceof RuntimeException runtime) ? runtime : new RedisException(ex);
		}
		String what = what(command, keys);
		this.refusals.refused(what, ex);
		return new RedisCommandExecutionException(ex.getMessage() + " [the binder sent " + what + " as Redis user '"
				+ this.refusals.user() + "']", ex);
	}

	/**
	 * A command and its keys, an idempotency marker by the pattern of the markers of its stream and group.
	 * @return e.g. {@code MGET on '{orders}:order-service:processed:*'}
	 */
	private static String what(Object command, Object keys) {
		Set<String> patterns = new LinkedHashSet<>();
		if (keys instanceof Collection<?> many) {
			for (Object key : many) {
				patterns.add(StreamKeys.keyPattern(key.toString()));
			}
		}
		else {
			patterns.add(StreamKeys.keyPattern(keys.toString()));
		}
		String name = (command instanceof LuaScript script) ? script.describe() : command.toString();
		return name + " on '" + String.join("', '", patterns) + "'";
	}

	private static Throwable unwrap(Throwable ex) {
		return (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
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

	/**
	 * On a cluster, the id of the master that serves the stream's slot in this connection's view, which is where
	 * Lettuce routes a command on the stream; null elsewhere.
	 */
	private String ownerNode(int slot) {
		if (!(this.connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster)) {
			return null;
		}
		RedisClusterNode owner = cluster.getPartitions().getMasterBySlot(slot);
		return (owner != null) ? owner.getNodeId() : null;
	}

	/**
	 * A blocking read under way: its slot, the node it was routed to, and its reply once sent. A cancellation that
	 * comes before the read is sent cancels it as soon as it is.
	 */
	private static final class ReadInFlight {

		private final int slot;

		private final String node;

		private volatile RedisFuture<?> reply;

		private volatile boolean cancelled;

		ReadInFlight(int slot, String node) {
			this.slot = slot;
			this.node = node;
		}

		int slot() {
			return this.slot;
		}

		String node() {
			return this.node;
		}

		void sent(RedisFuture<?> reply) {
			this.reply = reply;
			if (this.cancelled) {
				reply.cancel(false);
			}
		}

		boolean cancel() {
			this.cancelled = true;
			RedisFuture<?> sent = this.reply;
			return sent == null || sent.cancel(false);
		}

	}

}
