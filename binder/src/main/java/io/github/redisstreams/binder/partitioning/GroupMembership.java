package io.github.redisstreams.binder.partitioning;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.ScriptOutputType;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * The live members of a group sharing a destination's partitions ({@code group-members.lua}): each member beats
 * with the lease time as its time to live, on Redis's clock, and learns who else is alive from the same call.
 */
public class GroupMembership {

	private static final LuaScript SCRIPT = LuaScript.load("group-members.lua");

	private final StreamCommands commands;

	private final String key;

	private final Duration timeToLive;

	public GroupMembership(StreamCommands commands, String stream, String group, Duration timeToLive) {
		this.commands = commands;
		this.key = PartitionKeys.members(stream, group);
		this.timeToLive = timeToLive;
	}

	/**
	 * Keeps the member alive for the time to live.
	 * @return the live members, this one included
	 */
	public List<String> beat(String member) {
		return call(member, "beat");
	}

	/**
	 * Removes the member at once (it stops), so that the others share its partitions without waiting.
	 * @return the members still alive
	 */
	public List<String> leave(String member) {
		return call(member, "leave");
	}

	private List<String> call(String member, String action) {
		// a third of the time to live at most: the balancer must go on to give its leases up in time
		List<Object> reply = BoundedReply.await(this.commands.evalAsync(SCRIPT, ScriptOutputType.MULTI, List.of(this.key),
				ScriptArgs.of(member, this.timeToLive.toMillis(), action)), this.timeToLive.dividedBy(3));
		return reply.stream().map((value) -> new String((byte[]) value, StandardCharsets.UTF_8)).toList();
	}

}
