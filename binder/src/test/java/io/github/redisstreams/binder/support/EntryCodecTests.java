package io.github.redisstreams.binder.support;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.util.MimeTypeUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Messages to entry fields and back, without Redis: the fields {@link EntryCodec#encode} writes are
 * decoded as Redis would return them.
 */
class EntryCodecTests {

	private final EntryCodec codec = new EntryCodec();

	private final HeaderPatterns everyHeader = new HeaderPatterns("*");

	@Test
	void payloadIsTheFirstFieldWithItsBytesUnchanged() {
		byte[] payload = { 0, (byte) 0xff, '{', '}' };

		Map<String, byte[]> fields = encode(MessageBuilder.withPayload(payload).build());

		assertThat(fields.keySet()).first().isEqualTo(EntryCodec.PAYLOAD_FIELD);
		assertThat(fields.get(EntryCodec.PAYLOAD_FIELD)).isEqualTo(payload);
		assertThat(decode(fields).getPayload()).isEqualTo(payload);
	}

	@Test
	void stringPayloadIsWrittenAsUtf8() {
		Map<String, byte[]> fields = encode(MessageBuilder.withPayload("grüße").build());

		assertThat(text(fields.get(EntryCodec.PAYLOAD_FIELD))).isEqualTo("grüße");
	}

	@Test
	void otherPayloadsAreRefused() {
		Message<Integer> message = MessageBuilder.withPayload(42).build();

		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.encode(message, this.everyHeader))
			.withMessageContaining("java.lang.Integer")
			.withMessageContaining("use-native-encoding");
	}

	@Test
	void typedHeadersComeBackWithTheirType() {
		UUID uuid = UUID.randomUUID();
		byte[] bytes = { 1, 2, (byte) 0x80 };
		Map<String, Object> headers = new LinkedHashMap<>();
		headers.put("int", 42);
		headers.put("long", 1L << 40);
		headers.put("short", (short) -7);
		headers.put("byte", (byte) 9);
		headers.put("double", 0.1);
		headers.put("float", 2.5f);
		headers.put("boolean", true);
		headers.put("char", 'x');
		headers.put("uuid", uuid);
		headers.put("decimal", new BigDecimal("1234.5600"));
		headers.put("bigint", new BigInteger("123456789012345678901234567890"));
		headers.put("bytes", bytes);

		Message<byte[]> decoded = roundTrip(MessageBuilder.withPayload(new byte[0]).copyHeaders(headers).build());

		MessageHeaders read = decoded.getHeaders();
		assertThat(read).containsEntry("int", 42)
			.containsEntry("long", 1L << 40)
			.containsEntry("short", (short) -7)
			.containsEntry("byte", (byte) 9)
			.containsEntry("double", 0.1)
			.containsEntry("float", 2.5f)
			.containsEntry("boolean", true)
			.containsEntry("char", 'x')
			.containsEntry("uuid", uuid)
			.containsEntry("decimal", new BigDecimal("1234.5600"))
			.containsEntry("bigint", new BigInteger("123456789012345678901234567890"));
		assertThat(read.get("bytes")).isEqualTo(bytes);
	}

	@Test
	void typesOfNonStringHeadersAreRecordedAsJson() {
		Message<String> message = MessageBuilder.withPayload("p")
			.setHeader("attempt", 3)
			.setHeader("tenant", "acme")
			.setHeader("urgent", false)
			.build();

		Map<String, byte[]> fields = encode(message);

		assertThat(text(fields.get("attempt"))).isEqualTo("3");
		assertThat(text(fields.get("urgent"))).isEqualTo("false");
		assertThat(text(fields.get("tenant"))).isEqualTo("acme");
		// message headers have no order
		assertThat(JsonMapper.builder().build().readValue(fields.get(EntryCodec.HEADER_TYPES_FIELD), Map.class))
			.isEqualTo(Map.of("attempt", "int", "urgent", "boolean"));
		assertThat(fields.keySet()).last().isEqualTo(EntryCodec.HEADER_TYPES_FIELD);
	}

	@Test
	void noTypesFieldWhenEveryHeaderIsAString() {
		Map<String, byte[]> fields = encode(MessageBuilder.withPayload("p").setHeader("tenant", "acme").build());

		assertThat(fields).containsOnlyKeys(EntryCodec.PAYLOAD_FIELD, "tenant");
	}

	@Test
	void otherValuesAreWrittenAsTheirTextAndReadAsStrings() {
		Message<String> message = MessageBuilder.withPayload("p")
			.setHeader(MessageHeaders.CONTENT_TYPE, MimeTypeUtils.APPLICATION_JSON)
			.setHeader("numberAsText", "42")
			.build();

		Message<byte[]> decoded = roundTrip(message);

		assertThat(decoded.getHeaders()).containsEntry(MessageHeaders.CONTENT_TYPE, "application/json")
			.containsEntry("numberAsText", "42");
	}

	@Test
	void reservedHeadersAreNeverWritten() {
		Message<String> message = MessageBuilder.withPayload("p")
			.setHeader(RedisStreamHeaders.ENTRY_ID, "1-0")
			.setHeader(RedisStreamHeaders.DELIVERY_COUNT, 3)
			.setHeader("scst_partition", 1)
			.setHeader(EntryCodec.PAYLOAD_FIELD, "not the payload")
			.setHeader(EntryCodec.HEADER_TYPES_FIELD, "{}")
			.setHeader("kept", "yes")
			.build();

		Map<String, byte[]> fields = encode(message);

		assertThat(fields).containsOnlyKeys(EntryCodec.PAYLOAD_FIELD, "kept");
		assertThat(text(fields.get(EntryCodec.PAYLOAD_FIELD))).isEqualTo("p");
		for (String name : new String[] { MessageHeaders.ID, MessageHeaders.TIMESTAMP, "redis_anything", "scst_x",
				EntryCodec.PAYLOAD_FIELD, EntryCodec.HEADER_TYPES_FIELD }) {
			assertThat(EntryCodec.isNeverWritten(name)).as(name).isTrue();
		}
		assertThat(EntryCodec.isNeverWritten("contentType")).isFalse();
	}

	@Test
	void headerPatternsSelectTheFields() {
		Message<String> message = MessageBuilder.withPayload("p")
			.setHeader("tenant", "acme")
			.setHeader("secret", "s3cr3t")
			.setHeader("trace", "t")
			.build();

		Map<byte[], byte[]> raw = this.codec.encode(message, new HeaderPatterns("!secret", "*"));

		assertThat(byName(raw)).containsOnlyKeys(EntryCodec.PAYLOAD_FIELD, "tenant", "trace");
	}

	@Test
	void decodingAddsTheDeliveryHeadersAndNoIdOrTimestamp() {
		Map<String, byte[]> fields = new LinkedHashMap<>();
		fields.put(EntryCodec.PAYLOAD_FIELD, bytes("{\"orderId\":\"1\"}"));
		// fields naming reserved headers do not override what the binder knows
		fields.put(RedisStreamHeaders.STREAM, bytes("forged"));
		fields.put(MessageHeaders.ID, bytes("forged"));

		Message<byte[]> message = this.codec.decode(new StreamEntry("1700000000000-3", fields), "orders", "billing",
				"host-1-0", 2);

		assertThat(message.getHeaders()).containsEntry(RedisStreamHeaders.STREAM, "orders")
			.containsEntry(RedisStreamHeaders.ENTRY_ID, "1700000000000-3")
			.containsEntry(RedisStreamHeaders.GROUP, "billing")
			.containsEntry(RedisStreamHeaders.CONSUMER, "host-1-0")
			.containsEntry(RedisStreamHeaders.DELIVERY_COUNT, 2)
			.doesNotContainKey(EntryCodec.PAYLOAD_FIELD);
		assertThat(message.getHeaders().getId()).isNull();
		assertThat(message.getHeaders().getTimestamp()).isNull();
	}

	@Test
	void deliveryCountBeyondAnIntIsCapped() {
		Message<byte[]> message = this.codec.decode(entry(EntryCodec.PAYLOAD_FIELD, "p"), "s", "g", "c",
				Long.MAX_VALUE);

		assertThat(message.getHeaders()).containsEntry(RedisStreamHeaders.DELIVERY_COUNT, Integer.MAX_VALUE);
	}

	@Test
	void entryOfAnotherProducerHasStringHeaders() {
		// XADD orders * payload '{"orderId":"1"}' attempt 3
		Message<byte[]> message = decode(
				entry(EntryCodec.PAYLOAD_FIELD, "{\"orderId\":\"1\"}", "attempt", "3", "contentType", "application/json"));

		assertThat(text(message.getPayload())).isEqualTo("{\"orderId\":\"1\"}");
		assertThat(message.getHeaders()).containsEntry("attempt", "3").containsEntry("contentType", "application/json");
	}

	@Test
	void valueThatDoesNotParseAsItsTypeStaysText() {
		Message<byte[]> message = decode(entry(EntryCodec.PAYLOAD_FIELD, "p", "attempt", "three", "when", "x",
				EntryCodec.HEADER_TYPES_FIELD, "{\"attempt\":\"int\",\"when\":\"instant\"}"));

		assertThat(message.getHeaders()).containsEntry("attempt", "three")
			.containsEntry("when", "x")
			.doesNotContainKey(EntryCodec.HEADER_TYPES_FIELD);
	}

	@Test
	void entryWithoutPayloadIsMalformed() {
		StreamEntry entry = new StreamEntry("5-1", Map.of("body", bytes("x")));

		assertThatExceptionOfType(MalformedEntryException.class)
			.isThrownBy(() -> this.codec.decode(entry, "orders", "billing", "c", 1))
			.withMessageContaining("5-1")
			.withMessageContaining("'payload'")
			.withMessageContaining("body");
	}

	@Test
	void entryWithUnreadableHeaderTypesIsMalformed() {
		StreamEntry entry = entry(EntryCodec.PAYLOAD_FIELD, "p", EntryCodec.HEADER_TYPES_FIELD, "not json");

		assertThatExceptionOfType(MalformedEntryException.class)
			.isThrownBy(() -> this.codec.decode(entry, "orders", "billing", "c", 1))
			.withMessageContaining(EntryCodec.HEADER_TYPES_FIELD)
			.withMessageContaining("(8 bytes)")
			// its content is not quoted: the message is logged, and a hostile entry could put anything there
			.withMessageNotContaining("not json");
	}

	private Map<String, byte[]> encode(Message<?> message) {
		return byName(this.codec.encode(message, this.everyHeader));
	}

	private Message<byte[]> decode(Map<String, byte[]> fields) {
		return decode(new StreamEntry("1-0", fields));
	}

	private Message<byte[]> decode(StreamEntry entry) {
		return this.codec.decode(entry, "orders", "billing", "c-0", 1);
	}

	private Message<byte[]> roundTrip(Message<?> message) {
		return decode(encode(message));
	}

	/** The fields as Redis returns them: names as text, in order. */
	private static Map<String, byte[]> byName(Map<byte[], byte[]> raw) {
		Map<String, byte[]> fields = new LinkedHashMap<>();
		raw.forEach((name, value) -> fields.put(text(name), value));
		return fields;
	}

	private static StreamEntry entry(String... namesAndValues) {
		Map<String, byte[]> fields = new LinkedHashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			fields.put(namesAndValues[i], bytes(namesAndValues[i + 1]));
		}
		return new StreamEntry("1-0", fields);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
