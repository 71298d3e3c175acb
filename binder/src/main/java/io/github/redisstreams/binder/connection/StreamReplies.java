package io.github.redisstreams.binder.connection;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.redisstreams.binder.support.StreamEntry;

/**
 * Turns Redis's replies into the binder's types: stream entries with text field names and raw values, and
 * the field/value lists of {@code XINFO}.
 */
final class StreamReplies {

	private StreamReplies() {
	}

	/**
	 * Text of a reply element.
	 */
	static String text(Object value) {
		if (value instanceof byte[] raw) {
			return new String(raw, StandardCharsets.UTF_8);
		}
		return (value != null) ? value.toString() : null;
	}

	/**
	 * A stream entry from its id and raw fields; an empty body is a pending id whose entry was deleted.
	 */
	static StreamEntry entry(String id, Map<byte[], byte[]> body) {
		if (body == null || body.isEmpty()) {
			// Redis never stores an entry without fields: an empty body is a pending id whose entry is gone
			return new StreamEntry(id, null);
		}
		Map<String, byte[]> fields = new LinkedHashMap<>((int) (body.size() / 0.75f) + 1);
		for (Map.Entry<byte[], byte[]> field : body.entrySet()) {
			fields.put(new String(field.getKey(), StandardCharsets.UTF_8), field.getValue());
		}
		return new StreamEntry(id, fields);
	}

	/**
	 * The alternating names and values of an {@code XINFO} reply, values as text where Redis sent bulk strings.
	 */
	static Map<String, Object> fields(List<?> flat) {
		Map<String, Object> map = new HashMap<>();
		for (int i = 0; i + 1 < flat.size(); i += 2) {
			Object value = flat.get(i + 1);
			map.put(text(flat.get(i)), (value instanceof byte[]) ? text(value) : value);
		}
		return map;
	}

}
