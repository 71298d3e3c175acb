package io.github.redisstreams.binder.connection;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Lua script of the binder, loaded from the classpath, with its SHA-1 digest for {@code EVALSHA}.
 *
 * @param name the file name, for messages
 * @param source the script text
 * @param sha1 the digest Redis knows the script by
 */
public record LuaScript(String name, String source, String sha1) {

	private static final String LOCATION = "/io/github/redisstreams/binder/scripts/";

	/** {@code redis.call('XINFO', 'CONSUMERS', ...)}: the command and the literal word after it, if any. */
	private static final Pattern CALL = Pattern
		.compile("redis\\.p?call\\(\\s*'([A-Za-z]+)'(?:\\s*,\\s*'([A-Za-z]+)')?");

	/**
	 * Loads {@code io/github/redisstreams/binder/scripts/<name>}.
	 * @param name the file name
	 * @return the script
	 */
	public static LuaScript load(String name) {
		try (InputStream in = LuaScript.class.getResourceAsStream(LOCATION + name)) {
			if (in == null) {
				throw new IllegalStateException("Missing script " + LOCATION + name);
			}
			String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			return new LuaScript(name, source, sha1Hex(source));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The script and the commands it calls, for messages: Redis checks the ACL rules of each command a script
	 * calls, and Redis 7.0's reply to a denied one names neither the command nor its key.
	 * @return e.g. {@code EVALSHA ack-and-mark.lua (SET, XACK)}
	 */
	public String describe() {
		Set<String> commands = new LinkedHashSet<>();
		Matcher call = CALL.matcher(this.source);
		while (call.find()) {
			String command = call.group(1).toUpperCase(Locale.ROOT);
			boolean container = command.equals("XINFO") || command.equals("XGROUP");
			commands.add((container && call.group(2) != null) ? command + " " + call.group(2).toUpperCase(Locale.ROOT)
					: command);
		}
		return "EVALSHA " + this.name + " (" + String.join(", ", commands) + ")";
	}

	private static String sha1Hex(String source) {
		try {
			byte[] digest = java.security.MessageDigest.getInstance("SHA-1")
				.digest(source.getBytes(StandardCharsets.UTF_8));
			StringBuilder hex = new StringBuilder(40);
			for (byte b : digest) {
				hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
			}
			return hex.toString();
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
