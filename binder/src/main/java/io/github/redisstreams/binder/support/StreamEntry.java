package io.github.redisstreams.binder.support;

import java.util.Map;

/**
 * One entry of a stream as read from Redis: its id and its fields in order, field names as text and
 * values as raw bytes.
 *
 * @param id the entry id
 * @param fields the fields, or {@code null} when the entry is still pending but was deleted from
 * the stream (trimmed or {@code XDEL}ed) before it could be processed
 */
public record StreamEntry(String id, Map<String, byte[]> fields) {

	/**
	 * Whether the entry was deleted from the stream while it was pending.
	 * @return true when Redis returned the id without fields
	 */
	public boolean isDeleted() {
		return this.fields == null;
	}

}
