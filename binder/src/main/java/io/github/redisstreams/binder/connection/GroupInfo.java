package io.github.redisstreams.binder.connection;

import java.util.Map;

/**
 * One consumer group as {@code XINFO GROUPS} describes it.
 *
 * @param name the group name
 * @param consumers how many consumers the group has
 * @param pending how many entries are delivered but not acknowledged
 * @param lastDeliveredId the id of the last entry delivered to the group
 * @param entriesRead the group's logical read counter (Redis 7+), null when unknown
 * @param lag how many entries the group has not read yet (Redis 7+), null when Redis cannot tell
 */
public record GroupInfo(String name, long consumers, long pending, String lastDeliveredId, Long entriesRead, Long lag) {

	static GroupInfo from(Map<String, Object> fields) {
		return new GroupInfo((String) fields.get("name"), number(fields.get("consumers")),
				number(fields.get("pending")), (String) fields.get("last-delivered-id"),
				nullableNumber(fields.get("entries-read")), nullableNumber(fields.get("lag")));
	}

	static long number(Object value) {
		Long number = nullableNumber(value);
		return (number != null) ? number : 0L;
	}

	static Long nullableNumber(Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		if (value instanceof String text) {
			try {
				return Long.valueOf(text);
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		return null;
	}

}
