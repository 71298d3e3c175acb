package io.github.redisstreams.binder.recovery;

/**
 * The failure recorded for an entry that reached the consumer more often than {@code max-deliveries}
 * without ever being acknowledged: typically its processing crashed the consumer each time.
 */
public class DeliveryLimitExceededException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public DeliveryLimitExceededException(String entryId, long deliveryCount, int maxDeliveries) {
		super("Entry " + entryId + " was delivered " + deliveryCount + " times (max-deliveries " + maxDeliveries
				+ ") without being acknowledged; its consumer may have crashed while processing it");
	}

}
