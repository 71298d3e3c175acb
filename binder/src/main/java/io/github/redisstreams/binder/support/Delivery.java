package io.github.redisstreams.binder.support;

/**
 * An entry delivered to a consumer, with Redis's count of how many times the group has delivered it.
 *
 * @param entry the entry
 * @param deliveryCount the delivery counter of the entry in the group's PEL, this delivery included
 */
public record Delivery(StreamEntry entry, long deliveryCount) {

	public String id() {
		return this.entry.id();
	}

	/**
	 * The creation time encoded in an entry id ({@code <millis>-<sequence>}).
	 * @param entryId the id
	 * @return epoch milliseconds, or -1 for an id of another shape
	 */
	public static long timestampOf(String entryId) {
		int dash = entryId.indexOf('-');
		try {
			return Long.parseLong((dash < 0) ? entryId : entryId.substring(0, dash));
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

}
