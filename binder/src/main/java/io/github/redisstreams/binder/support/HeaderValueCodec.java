package io.github.redisstreams.binder.support;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Writes header values as text and reads them back with their type.
 * <p>
 * Strings are written as they are. Numbers, booleans, characters, UUIDs and byte arrays are written
 * as their text (byte arrays raw) and their type is recorded by a short name in the entry's
 * {@value EntryCodec#HEADER_TYPES_FIELD} field, so that a Java consumer gets an {@code Integer} back
 * while a consumer in another language still reads plain text. Any other value is written with
 * {@code toString()} and read back as a string.
 */
final class HeaderValueCodec {

	private static final Map<Class<?>, String> TYPE_NAMES = Map.ofEntries(Map.entry(Integer.class, "int"),
			Map.entry(Long.class, "long"), Map.entry(Short.class, "short"), Map.entry(Byte.class, "byte"),
			Map.entry(Double.class, "double"), Map.entry(Float.class, "float"), Map.entry(Boolean.class, "boolean"),
			Map.entry(Character.class, "char"), Map.entry(UUID.class, "uuid"), Map.entry(BigDecimal.class, "decimal"),
			Map.entry(BigInteger.class, "bigint"), Map.entry(byte[].class, "bytes"));

	private static final Map<String, Function<String, Object>> READERS = Map.ofEntries(
			Map.entry("int", Integer::valueOf), Map.entry("long", Long::valueOf), Map.entry("short", Short::valueOf),
			Map.entry("byte", Byte::valueOf), Map.entry("double", Double::valueOf), Map.entry("float", Float::valueOf),
			Map.entry("boolean", Boolean::valueOf), Map.entry("char", (text) -> text.charAt(0)),
			Map.entry("uuid", UUID::fromString), Map.entry("decimal", BigDecimal::new),
			Map.entry("bigint", BigInteger::new));

	private HeaderValueCodec() {
	}

	/**
	 * The short type name recorded for a value, or null when it is written as plain text.
	 */
	static String typeName(Object value) {
		return TYPE_NAMES.get(value.getClass());
	}

	static byte[] write(Object value) {
		if (value instanceof byte[] bytes) {
			return bytes;
		}
		return value.toString().getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Reads a value written with the given type; a value that does not parse stays text, since a
	 * header of an unexpected shape is no reason to refuse the whole message.
	 */
	static Object read(byte[] raw, String typeName) {
		if (typeName == null) {
			return new String(raw, StandardCharsets.UTF_8);
		}
		if ("bytes".equals(typeName)) {
			return raw;
		}
		String text = new String(raw, StandardCharsets.UTF_8);
		Function<String, Object> reader = READERS.get(typeName);
		if (reader == null) {
			return text;
		}
		try {
			return reader.apply(text);
		}
		catch (RuntimeException ex) {
			return text;
		}
	}

}
