package io.github.redisstreams.binder.support;

/**
 * Arithmetic on stream entry ids ({@code <millis>-<sequence>}, both unsigned 64-bit numbers).
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
		return id.substring(0, dash + 1) + Long.toUnsignedString(Long.parseUnsignedLong(id.substring(dash + 1)) + 1);
	}

	/**
	 * Compares two ids in stream order.
	 * @return negative, zero or positive as {@code a} comes before, is, or comes after {@code b}
	 */
	public static int compare(String a, String b) {
		int dashA = a.indexOf('-');
		int dashB = b.indexOf('-');
		int byTime = Long.compareUnsigned(Long.parseUnsignedLong(a.substring(0, dashA)),
				Long.parseUnsignedLong(b.substring(0, dashB)));
		return (byTime != 0) ? byTime : Long.compareUnsigned(Long.parseUnsignedLong(a.substring(dashA + 1)),
				Long.parseUnsignedLong(b.substring(dashB + 1)));
	}

	/**
	 * The creation time encoded in an entry id.
	 * @param id the id
	 * @return epoch milliseconds, or -1 for an id of another shape
	 */
	public static long timestampOf(String id) {
		int dash = id.indexOf('-');
		try {
			return Long.parseLong((dash < 0) ? id : id.substring(0, dash));
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

}
