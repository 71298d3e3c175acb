package io.github.redisstreams.binder.support;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageDeliveryException;

/**
 * A message whose entry would be larger than the producer's {@code max-entry-size}: refused at send,
 * before anything reaches Redis. The message names the binding, the size and the property to change.
 */
public class EntryTooLargeException extends MessageDeliveryException {

	private static final long serialVersionUID = 1L;

	private final long size;

	private final long maxSize;

	public EntryTooLargeException(Message<?> failedMessage, String description, long size, long maxSize) {
		super(failedMessage, description);
		this.size = size;
		this.maxSize = maxSize;
	}

	/**
	 * @return the size of the entry, in bytes: its field names and values
	 */
	public long getSize() {
		return this.size;
	}

	/**
	 * @return the limit it exceeded, in bytes
	 */
	public long getMaxSize() {
		return this.maxSize;
	}

}
