package io.github.redisstreams.binder.inbound;

import org.springframework.messaging.Message;

/**
 * Where the messages of a consumer binding go.
 */
public interface DeliveryTarget {

	/**
	 * Hands a message to the binding's handler, on the calling thread.
	 * @param message the message: one entry's, or with batch-mode a batch's ({@link BatchMessages})
	 * @throws RuntimeException when the handler fails
	 */
	void send(Message<?> message);

	/**
	 * Publishes a failed delivery to the binding's error channel, where it is logged and where an
	 * application error handler ({@code error-handler-definition}) may take it.
	 * @param message the message that failed
	 * @param cause the failure
	 * @return true when an application error handler took it (the entry is then acknowledged), false
	 * when the binder decides its fate
	 */
	boolean publishFailure(Message<?> message, Throwable cause);

}
