package io.github.redisstreams.binder.inbound;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.GroupOffset;
import io.github.redisstreams.binder.properties.StartOffset;
import io.github.redisstreams.binder.provisioning.RedisStreamProvisioner;

/**
 * Creates a binding's consumer group again when it vanished (Redis restarted without persistence, the stream
 * or the group was deleted), for the consumer loops and the pollable source alike. A named group starts over
 * at 0, so that entries written after a Redis restart and before this moment are not skipped; an anonymous one
 * resumes after the last entry it saw, or, having seen none, with the entries written since the binding started
 * (it never reads older ones).
 */
final class GroupRecreation {

	private static final Log logger = LogFactory.getLog(GroupRecreation.class);

	private GroupRecreation() {
	}

	/**
	 * @param lastSeenId the last entry the consumer read, or null
	 * @param startedAt when the binding started (epoch millis)
	 * @throws RuntimeException when Redis fails
	 */
	static void recreate(RedisStreamProvisioner provisioner, ConsumerSettings settings, String lastSeenId,
			long startedAt) {
		GroupOffset offset = GroupOffset.FIRST;
		if (lastSeenId != null && settings.anonymous()) {
			offset = GroupOffset.after(lastSeenId);
		}
		else if (settings.anonymous() && settings.redis().getStartOffset() != StartOffset.EARLIEST) {
			offset = GroupOffset.after(startedAt + "-0");
		}
		if (provisioner.ensureGroup(settings.stream(), settings.group(), offset)) {
			logger.warn("Consumer group '" + settings.group() + "' of stream '" + settings.stream()
					+ "' was missing (Redis restarted without persistence, or the stream or group was deleted); "
					+ "created it again at " + offset);
		}
	}

}
