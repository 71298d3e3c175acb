package io.github.redisstreams.binder.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.support.GenericMessage;

/**
 * Maps messages to stream entries and back; the wire format is documented in
 * {@code docs/wire-format.md}.
 * <ul>
 * <li>The payload bytes go to the field {@value #PAYLOAD_FIELD}, unchanged.</li>
 * <li>Each header selected by the producer's header patterns becomes a field of the same name with a
 * text value (see {@link HeaderValueCodec} for non-string values).</li>
 * <li>The field {@value #HEADER_TYPES_FIELD}, present only when needed, records the types of the
 * non-string headers as a JSON object, e.g. {@code {"attempt":"int"}}.</li>
 * </ul>
 * Reading accepts any entry with a {@value #PAYLOAD_FIELD} field, such as one written by
 * {@code redis-cli XADD orders * payload '{"orderId":"1"}'}: every other field becomes a string
 * header.
 */
public class EntryCodec {

	/**
	 * The field that carries the payload.
	 */
	public static final String PAYLOAD_FIELD = "payload";

	/**
	 * The field that records the types of non-string headers.
	 */
	public static final String HEADER_TYPES_FIELD = "spring_header_types";

	/** Prefix of Spring Cloud Stream's own headers ({@code BinderHeaders}), meaningless on the wire. */
	private static final String INTERNAL_HEADER_PREFIX = "scst_";

	private static final byte[] PAYLOAD_FIELD_BYTES = PAYLOAD_FIELD.getBytes(StandardCharsets.UTF_8);

	private static final byte[] HEADER_TYPES_FIELD_BYTES = HEADER_TYPES_FIELD.getBytes(StandardCharsets.UTF_8);

	private static final int MAX_LISTED_FIELDS = 20;

	private static final int MAX_LISTED_NAME_LENGTH = 64;

	private static final TypeReference<Map<String, String>> TYPE_MAP = new TypeReference<>() {
	};

	private final JsonMapper jsonMapper = JsonMapper.builder().build();

	/**
	 * Whether a header never becomes a field, whatever the header patterns say.
	 * @param headerName the header
	 * @return true for {@code id}, {@code timestamp}, the binder's {@code redis_*} headers, Spring Cloud
	 * Stream's internal {@code scst_*} headers (such as the partition chosen for the message) and the
	 * reserved field names
	 */
	public static boolean isNeverWritten(String headerName) {
		return MessageHeaders.ID.equals(headerName) || MessageHeaders.TIMESTAMP.equals(headerName)
				|| headerName.startsWith(RedisStreamHeaders.PREFIX) || headerName.startsWith(INTERNAL_HEADER_PREFIX)
				|| PAYLOAD_FIELD.equals(headerName) || HEADER_TYPES_FIELD.equals(headerName);
	}

	/**
	 * The fields of the entry for a message.
	 * @param message the message; its payload must be a {@code byte[]} or a {@code String}
	 * @param headerPatterns selects the headers to write
	 * @return field names and values in order, payload first
	 */
	public Map<byte[], byte[]> encode(Message<?> message, HeaderPatterns headerPatterns) {
		Map<byte[], byte[]> fields = new LinkedHashMap<>();
		fields.put(PAYLOAD_FIELD_BYTES, payloadBytes(message.getPayload()));
		Map<String, String> types = null;
		for (Map.Entry<String, Object> header : message.getHeaders().entrySet()) {
			Object value = header.getValue();
			if (value == null || !headerPatterns.shouldWrite(header.getKey())) {
				continue;
			}
			String typeName = HeaderValueCodec.typeName(value);
			if (typeName != null) {
				if (types == null) {
					types = new LinkedHashMap<>();
				}
				types.put(header.getKey(), typeName);
			}
			fields.put(header.getKey().getBytes(StandardCharsets.UTF_8), HeaderValueCodec.write(value));
		}
		if (types != null) {
			fields.put(HEADER_TYPES_FIELD_BYTES, this.jsonMapper.writeValueAsBytes(types));
		}
		return fields;
	}

	/**
	 * The message for an entry, with the headers that describe its delivery.
	 * @param entry the entry, not deleted
	 * @param stream the stream it was read from
	 * @param group the group that delivered it
	 * @param consumer the consumer it was delivered to
	 * @param deliveryCount Redis's delivery counter of the entry
	 * @return the message with the raw payload bytes
	 * @throws MalformedEntryException when the entry has no payload field or unreadable header types
	 */
	public Message<byte[]> decode(StreamEntry entry, String stream, String group, String consumer,
			long deliveryCount) {
		Map<String, byte[]> fields = entry.fields();
		byte[] payload = fields.get(PAYLOAD_FIELD);
		if (payload == null) {
			throw new MalformedEntryException("Entry " + entry.id() + " has no '" + PAYLOAD_FIELD + "' field (fields: "
					+ fieldNames(fields) + ")");
		}
		Map<String, String> types = readTypes(entry);
		// one map, sized for everything, which the message headers take over
		Map<String, Object> headers = new HashMap<>((int) ((fields.size() + 8) / 0.75f) + 1);
		for (Map.Entry<String, byte[]> field : fields.entrySet()) {
			String name = field.getKey();
			if (isNeverWritten(name)) {
				continue;
			}
			headers.put(name, HeaderValueCodec.read(field.getValue(), (types != null) ? types.get(name) : null));
		}
		headers.put(RedisStreamHeaders.STREAM, stream);
		headers.put(RedisStreamHeaders.ENTRY_ID, entry.id());
		headers.put(RedisStreamHeaders.GROUP, group);
		headers.put(RedisStreamHeaders.CONSUMER, consumer);
		headers.put(RedisStreamHeaders.DELIVERY_COUNT, (int) Math.min(Integer.MAX_VALUE, deliveryCount));
		return new GenericMessage<>(payload, new InboundHeaders(headers));
	}

	private Map<String, String> readTypes(StreamEntry entry) {
		byte[] raw = entry.fields().get(HEADER_TYPES_FIELD);
		if (raw == null) {
			return null;
		}
		try {
			return this.jsonMapper.readValue(raw, TYPE_MAP);
		}
		catch (RuntimeException ex) {
			// its content is not quoted: a hostile entry could put anything there, and the message is logged
			throw new MalformedEntryException("Entry " + entry.id() + " has an unreadable '" + HEADER_TYPES_FIELD
					+ "' field (" + raw.length + " bytes): it must be a JSON object of header names to type names");
		}
	}

	/**
	 * The names of an entry's fields for an error message: at most 20, each shortened to 64 characters.
	 */
	private static String fieldNames(Map<String, byte[]> fields) {
		List<String> names = new ArrayList<>();
		for (String name : fields.keySet()) {
			if (names.size() == MAX_LISTED_FIELDS) {
				names.add("... (" + fields.size() + " fields)");
				break;
			}
			names.add((name.length() > MAX_LISTED_NAME_LENGTH) ? name.substring(0, MAX_LISTED_NAME_LENGTH) + "..." : name);
		}
		return names.toString();
	}

	private static byte[] payloadBytes(Object payload) {
		if (payload instanceof byte[] bytes) {
			return bytes;
		}
		if (payload instanceof String text) {
			return text.getBytes(StandardCharsets.UTF_8);
		}
		throw new IllegalArgumentException("The Redis binder writes byte[] or String payloads, but got "
				+ payload.getClass().getName() + "; leave 'use-native-encoding' off so that the binding converts it");
	}

	/**
	 * Headers of a message read from a stream: without a generated {@code id} and {@code timestamp}, as Spring
	 * Kafka's inbound messages by default. Generating a random UUID per message costs more than anything
	 * else the binder does per entry, and the entry id ({@code redis_entryId}) identifies the message better.
	 */
	private static final class InboundHeaders extends MessageHeaders {

		private static final long serialVersionUID = 1L;

		InboundHeaders(Map<String, Object> headers) {
			super(headers, ID_VALUE_NONE, -1L);
		}

	}

}
