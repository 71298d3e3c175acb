package io.github.redisstreams.binder.partitioning;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.ScriptOutputType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * The ownership leases of the partitions of one group ({@code partition-lease.lua}): taken with {@code SET NX PX},
 * renewed and released only under the owner's token, so that an owner whose lease expired cannot renew or delete
 * the lease another owner took since.
 */
public class PartitionLeases {

	private static final Log logger = LogFactory.getLog(PartitionLeases.class);

	private static final LuaScript SCRIPT = LuaScript.load("partition-lease.lua");

	/**
	 * Other tokens of this owner's member name seen holding a lease, with when each was first seen
	 * ({@link System#nanoTime()}); a negative time once reported.
	 */
	private final Map<String, Long> sameMemberTokens = new ConcurrentHashMap<>();

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
		Reply result = new Reply((Long) reply.get(0) == 1L, new String((byte[]) reply.get(1), StandardCharsets.UTF_8));
		if (!result.done()) {
			checkSameMember(result.owner(), partitionStream);
		}
		return result;
	}

	/**
	 * Two live instances with one member name (the same {@code instance-id}) each believe the other's partitions
	 * are theirs to share: detected when a lease is held, under another token of this member's name, for longer
	 * than the lease time (a previous run under the name, crashed, holds its leases for the lease time at most).
	 */
	private void checkSameMember(String owner, String partitionStream) {
		int at = this.token.lastIndexOf('@');
		if (owner.isEmpty() || owner.equals(this.token) || at < 0
				|| !owner.startsWith(this.token.substring(0, at + 1))) {
			return;
		}
		long now = System.nanoTime();
		Long firstSeen = this.sameMemberTokens.putIfAbsent(owner, now);
		if (firstSeen != null && firstSeen >= 0 && now - firstSeen > this.leaseTime.toNanos()
				&& this.sameMemberTokens.replace(owner, firstSeen, -1L)) {
			logger.error("Another live instance uses the member name '" + this.token.substring(0, at) + "' of group '"
					+ this.group + "': its token " + owner + " has held the lease of '" + partitionStream
					+ "' for longer than the lease time (" + this.leaseTime + "). Give each instance its own "
					+ "spring.cloud.stream.redis.binder.instance-id: two instances under one name read each other's "
					+ "partitions and share a consumer name");
		}
	}

	private record Reply(boolean done, String owner) {

	}

}
