package io.github.redisstreams.binder.connection;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The {@code ARGV} of a Lua script call, built in order: text is sent as UTF-8, numbers as their decimal
 * text, raw values (entry field values) as they are.
 */
public final class ScriptArgs {

	private final List<byte[]> values;

	private ScriptArgs(int expected) {
		this.values = new ArrayList<>(expected);
	}

	/**
	 * Arguments starting with the given texts and numbers.
	 * @param first the first arguments, each a {@link CharSequence}, a {@link Number} or a {@code byte[]}
	 * @return the builder, to add more
	 */
	public static ScriptArgs of(Object... first) {
		ScriptArgs args = new ScriptArgs(first.length + 8);
		for (Object value : first) {
			args.add(value);
		}
		return args;
	}

	/**
	 * Adds one argument: a {@link CharSequence}, a {@link Number} or a {@code byte[]}.
	 */
	public ScriptArgs add(Object value) {
		if (value instanceof byte[] raw) {
			this.values.add(raw);
		}
		else if (value instanceof CharSequence || value instanceof Number) {
			this.values.add(value.toString().getBytes(StandardCharsets.UTF_8));
		}
		else {
			throw new IllegalArgumentException("A script argument is text, a number or bytes, not " + value);
		}
		return this;
	}

	/**
	 * Adds each text, in order.
	 */
	public ScriptArgs addAll(Collection<String> texts) {
		for (String text : texts) {
			add(text);
		}
		return this;
	}

	public int size() {
		return this.values.size();
	}

	byte[][] toArray() {
		return this.values.toArray(byte[][]::new);
	}

}
