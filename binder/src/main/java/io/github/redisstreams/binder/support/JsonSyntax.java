package io.github.redisstreams.binder.support;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks that a payload is one well-formed JSON value, by reading its tokens (no object is built). A batch
 * handler's framework leaves out of the list an element it cannot convert, without a failure: the binder
 * checks JSON payloads of a batch itself, so that a broken one is dead-lettered instead of acknowledged unseen.
 */
public final class JsonSyntax {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private JsonSyntax() {
	}

	/**
	 * @param payload the payload
	 * @return null when it is one well-formed JSON value, otherwise what is wrong
	 */
	public static String problemWith(byte[] payload) {
		try (JsonParser parser = MAPPER.createParser(payload)) {
			if (parser.nextToken() == null) {
				return "the payload is empty";
			}
			parser.skipChildren();
			if (parser.nextToken() != null) {
				return "the payload holds more than one JSON value";
			}
			return null;
		}
		catch (JacksonException ex) {
			// not the parser's message, which quotes the token it could not read (a payload's content, in logs)
			return "the payload is not valid JSON (" + ex.getClass().getSimpleName()
					+ ((ex.getLocation() != null) ? " at line " + ex.getLocation().getLineNr() + ", column "
							+ ex.getLocation().getColumnNr() : "")
					+ ")";
		}
	}

	/**
	 * Whether a content type is JSON ({@code application/json}, {@code application/*+json}).
	 */
	public static boolean isJson(Object contentType) {
		if (contentType == null) {
			return false;
		}
		String type = contentType.toString().toLowerCase(java.util.Locale.ROOT);
		int parameters = type.indexOf(';');
		if (parameters >= 0) {
			type = type.substring(0, parameters);
		}
		type = type.trim();
		return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
	}

}
