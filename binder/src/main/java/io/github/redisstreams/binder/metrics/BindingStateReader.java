package io.github.redisstreams.binder.metrics;

import java.util.List;
import java.util.Optional;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.models.stream.PendingMessage;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.redisstreams.binder.connection.ConsumerInfo;
import io.github.redisstreams.binder.connection.GroupInfo;
import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.support.StreamEntryIds;

/**
 * Reads the state of a consumer binding's group from Redis, for health, gauges and the actuator
 * endpoint. Each read costs a few cheap commands ({@code XINFO GROUPS}, {@code XLEN}, a bounded
 * {@code XPENDING}); nothing here scans a whole stream or PEL.
 */
public class BindingStateReader implements DisposableBean {

	/**
	 * Most entries counted for the lag of a group when Redis cannot report it; beyond this the lag is
	 * reported as this value, flagged as capped.
	 */
	public static final int LAG_COUNT_LIMIT = 10_000;

	/**
	 * How many of the oldest pending entries are inspected for their delivery count: the entries that
	 * fail again and again are the ones that stay pending longest.
	 */
	public static final int PENDING_SAMPLE_SIZE = 100;

	private static final LuaScript COUNT_AFTER = LuaScript.load("count-entries-after.lua");

	private final RedisStreamConnections connections;

	private final boolean ownsConnections;

	/**
	 * Reads over connections owned by someone else (the binder's).
	 * @param connections the connections to use
	 */
	public BindingStateReader(RedisStreamConnections connections) {
		this(connections, false);
	}

	private BindingStateReader(RedisStreamConnections connections, boolean ownsConnections) {
		this.connections = connections;
		this.ownsConnections = ownsConnections;
	}

	/**
	 * Reads over a connection of its own, closed when this reader is destroyed; the binder's
	 * connections live in the binder's context, out of reach of application-level beans.
	 * @param connectionFactory the application's Lettuce connection factory
	 * @return the reader
	 */
	public static BindingStateReader withOwnConnection(RedisConnectionFactory connectionFactory) {
		return new BindingStateReader(new RedisStreamConnections(connectionFactory), true);
	}

	/**
	 * The group of a binding as {@code XINFO GROUPS} describes it.
	 * @param binding the binding
	 * @return the group, empty when the stream or the group does not exist
	 */
	public Optional<GroupInfo> group(ConsumerBindingView binding) {
		return findGroup(commands(), binding.stream(), binding.group());
	}

	/**
	 * The lag of a binding's group: as {@code XINFO GROUPS} reports it (Redis 7.0 and newer, when it can tell),
	 * otherwise counted after the group's last delivered id, up to {@link #LAG_COUNT_LIMIT} (Redis 6.2, or a
	 * stream whose entries were deleted).
	 * @param binding the binding
	 * @param group its group, from {@link #group(ConsumerBindingView)}
	 * @return the lag
	 */
	public GroupLag lag(ConsumerBindingView binding, GroupInfo group) {
		return lag(commands(), binding.stream(), group);
	}

	/**
	 * Reads the state of a binding's group.
	 * @param binding the binding
	 * @param withConsumers whether to list the group's consumers too ({@code XINFO CONSUMERS})
	 * @return the state now
	 */
	public BindingState read(ConsumerBindingView binding, boolean withConsumers) {
		StreamCommands commands = commands();
		String stream = binding.stream();
		Optional<GroupInfo> group = findGroup(commands, stream, binding.group());
		long length = commands.xlen(stream);
		Long lag = null;
		boolean lagCapped = false;
		Long pending = null;
		String oldestPendingId = null;
		Long oldestPendingAge = null;
		long maxDeliveryCount = 0;
		List<ConsumerInfo> consumers = List.of();
		if (group.isPresent()) {
			GroupInfo info = group.get();
			GroupLag groupLag = lag(commands, stream, info);
			lag = groupLag.entries();
			lagCapped = groupLag.capped();
			pending = info.pending();
			if (info.pending() > 0) {
				List<PendingMessage> oldest = commands.xpending(stream, binding.group(), PENDING_SAMPLE_SIZE);
				if (!oldest.isEmpty()) {
					oldestPendingId = oldest.get(0).getId();
					long createdAt = StreamEntryIds.timestampOf(oldestPendingId);
					oldestPendingAge = (createdAt >= 0) ? Math.max(0, System.currentTimeMillis() - createdAt) : null;
				}
				for (PendingMessage message : oldest) {
					maxDeliveryCount = Math.max(maxDeliveryCount, message.getRedeliveryCount());
				}
			}
			if (withConsumers) {
				consumers = commands.xinfoConsumers(stream, binding.group());
			}
		}
		String deadLetterStream = binding.deadLetterStream();
		Long deadLetterCount = (deadLetterStream != null) ? commands.xlen(deadLetterStream) : null;
		return new BindingState(binding.bindingName(), stream, binding.group(), group.isPresent(), length, lag,
				lagCapped, pending, oldestPendingId, oldestPendingAge, maxDeliveryCount, deadLetterStream,
				deadLetterCount, consumers);
	}

	@Override
	public void destroy() {
		if (this.ownsConnections) {
			this.connections.destroy();
		}
	}

	private StreamCommands commands() {
		return this.connections.shared();
	}

	private static Optional<GroupInfo> findGroup(StreamCommands commands, String stream, String group) {
		return commands.xinfoGroups(stream).stream().filter((info) -> group.equals(info.name())).findFirst();
	}

	private static GroupLag lag(StreamCommands commands, String stream, GroupInfo group) {
		if (group.lag() != null) {
			return new GroupLag(group.lag(), false);
		}
		long counted = countAfter(commands, stream, group.lastDeliveredId());
		return new GroupLag(counted, counted >= LAG_COUNT_LIMIT);
	}

	private static long countAfter(StreamCommands commands, String stream, String id) {
		Long count = commands.eval(COUNT_AFTER, ScriptOutputType.INTEGER, List.of(stream),
				ScriptArgs.of(id, LAG_COUNT_LIMIT));
		return (count != null) ? count : 0;
	}

	/**
	 * How many entries of the stream a group has not read yet.
	 *
	 * @param entries the lag, or {@link #LAG_COUNT_LIMIT} when counted and capped
	 * @param capped whether the binder counted it and stopped at the limit (the real lag is higher)
	 */
	public record GroupLag(long entries, boolean capped) {
	}

}
