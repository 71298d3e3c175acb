package io.github.redisstreams.binder.connection;

import java.util.Map;

/**
 * One consumer of a group as {@code XINFO CONSUMERS} describes it.
 *
 * @param name the consumer name
 * @param pending how many entries it owns without having acknowledged them
 * @param idleMillis milliseconds since it last interacted with the group (a read or claim)
 */
public record ConsumerInfo(String name, long pending, long idleMillis) {

	static ConsumerInfo from(Map<String, Object> fields) {
		return new ConsumerInfo((String) fields.get("name"), GroupInfo.number(fields.get("pending")),
				GroupInfo.number(fields.get("idle")));
	}

}
