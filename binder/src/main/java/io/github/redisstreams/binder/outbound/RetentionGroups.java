package io.github.redisstreams.binder.outbound;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.GroupInfo;
import io.github.redisstreams.binder.connection.GroupOffset;
import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * The consumer groups that safe retention must respect on a stream, and whether the stream may be trimmed
 * at all.
 * <p>
 * A Redis that restarts without persistence loses the groups, and the producer's next {@code XADD} creates
 * the stream again without any: trimmed then, it would lose what the groups, once their consumers are
 * back, have not read. So the producer's {@code required-groups} are created again (at the first entry)
 * before any trim, and a stream that had groups and now has none is not trimmed until a group is back.
 */
class RetentionGroups {

	private static final Log logger = LogFactory.getLog(RetentionGroups.class);

	private final StreamCommands commands;

	private final List<String> requiredGroups;

	private final Set<String> seenWithGroups = ConcurrentHashMap.newKeySet();

	private final Set<String> suspended = ConcurrentHashMap.newKeySet();

	RetentionGroups(StreamCommands commands, List<String> requiredGroups) {
		this.commands = commands;
		this.requiredGroups = List.copyOf(requiredGroups);
	}

	/**
	 * The groups of the stream, once the missing required groups are created again.
	 * @param stream the stream key
	 * @return the groups, or null when the stream must not be trimmed now
	 * @throws io.lettuce.core.RedisException when Redis fails, creating a group included: no trim then
	 */
	List<GroupInfo> toRespect(String stream) {
		List<GroupInfo> groups = this.commands.xinfoGroups(stream);
		if (createMissingRequiredGroups(stream, groups)) {
			groups = this.commands.xinfoGroups(stream);
			if (!missing(groups).isEmpty()) {
				// deleted again at once: try next time rather than trim without them
				return null;
			}
		}
		if (groups.isEmpty()) {
			if (this.seenWithGroups.contains(stream)) {
				warnSuspended(stream);
				return null;
			}
			return groups;
		}
		this.seenWithGroups.add(stream);
		if (this.suspended.remove(stream)) {
			logger.info("Retention of stream '" + stream + "' resumes: it has consumer groups again");
		}
		return groups;
	}

	private boolean createMissingRequiredGroups(String stream, List<GroupInfo> groups) {
		List<String> missing = missing(groups);
		for (String group : missing) {
			if (this.commands.xgroupCreate(stream, group, GroupOffset.FIRST)) {
				logger.warn("Consumer group '" + group + "', required by the producer of stream '" + stream
						+ "', was missing (Redis restarted without persistence, or the stream or group was deleted); "
						+ "created it again at " + GroupOffset.FIRST
						+ " so that retention keeps what the group has not read");
			}
		}
		return !missing.isEmpty();
	}

	private List<String> missing(List<GroupInfo> groups) {
		Set<String> present = new HashSet<>();
		groups.forEach((group) -> present.add(group.name()));
		return this.requiredGroups.stream().filter((group) -> !present.contains(group)).toList();
	}

	private void warnSuspended(String stream) {
		if (this.suspended.add(stream)) {
			logger.warn("Retention of stream '" + stream + "' is suspended: the stream had consumer groups and now "
					+ "has none (Redis restarted without persistence, or the groups or the stream were deleted), so a "
					+ "trim could remove entries they have not read. It resumes once a group is back (consumers create "
					+ "theirs again when they read). Declare the groups as the producer's required-groups to have the "
					+ "producer create them itself; if they were removed for good, restart the producer");
		}
	}

}
