package io.github.redisstreams.binder.support;

/**
 * Arithmetic on stream entry ids ({@code <millis>-<sequence>}).
 */
public final class StreamEntryIds {

	private StreamEntryIds() {
	}

	/**
	 * The smallest id after the given one, to page through a range without repeating its last element.
	 * @param id an entry id
	 * @return the id with the sequence one higher
	 */
	public static String successor(String id) {
		int dash = id.indexOf('-');
		return id.substring(0, dash + 1) + (Long.parseUnsignedLong(id.substring(dash + 1)) + 1);
	}

}
