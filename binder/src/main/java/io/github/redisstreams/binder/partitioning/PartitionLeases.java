package io.github.redisstreams.binder.partitioning;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.ScriptOutputType;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * The ownership leases of the partitions of one group ({@code partition-lease.lua}): taken with {@code SET NX PX},
 * renewed and released only under the owner's token, so that an owner whose lease expired cannot renew or delete
 * the lease another owner took since.
 */
public class PartitionLeases {

	private static final LuaScript SCRIPT = LuaScript.load("partition-lease.lua");

	private final StreamCommands commands;

	private final String group;

	private final String token;

	private final Duration leaseTime;

	/**
	 * @param token this owner's token, unique among all owners that ever hold a lease of the group
	 */
	public PartitionLeases(StreamCommands commands, String group, String token, Duration leaseTime) {
		this.commands = commands;
		this.group = group;
		this.token = token;
		this.leaseTime = leaseTime;
	}

	public String token() {
		return this.token;
	}

	/**
	 * Takes the lease of a partition that nobody holds.
	 * @param partitionStream the partition's stream
	 * @return true when this owner holds it now (also when it held it already)
	 */
	public boolean take(String partitionStream) {
		return call("take", partitionStream).done();
	}

	/**
	 * Extends the lease this owner holds.
	 * @return false when it does not hold it any more: it expired (another owner may have taken it)
	 */
	public boolean renew(String partitionStream) {
		return call("renew", partitionStream).done();
	}

	/**
	 * Deletes the lease, only if this owner holds it.
	 * @return false when it did not hold it
	 */
	public boolean release(String partitionStream) {
		return call("release", partitionStream).done();
	}

	/**
	 * The token that holds the lease of a partition.
	 * @return the token, or the empty string when nobody holds it
	 */
	public String owner(String partitionStream) {
		return call("owner", partitionStream).owner();
	}

	/**
	 * Waits a third of the lease time at most: a renewal later than that is no use, the lease may be gone.
	 */
	private Reply call(String action, String partitionStream) {
		List<Object> reply = BoundedReply.await(this.commands.evalAsync(SCRIPT, ScriptOutputType.MULTI,
				List.of(PartitionKeys.lease(partitionStream, this.group)),
				ScriptArgs.of(action, this.token, this.leaseTime.toMillis())), this.leaseTime.dividedBy(3));
		return new Reply((Long) reply.get(0) == 1L, new String((byte[]) reply.get(1), StandardCharsets.UTF_8));
	}

	private record Reply(boolean done, String owner) {

	}

}
