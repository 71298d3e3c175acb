package io.github.redisstreams.binder.inbound;

import org.springframework.integration.StaticMessageHeaderAccessor;
import org.springframework.integration.acks.AcknowledgmentCallback;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.support.ErrorMessage;

/**
 * The binder's subscriber to the error channel of a pollable binding: a handler that still failed after its
 * in-process retries is reported here (unless the application's {@code error-handler-definition} takes the
 * failure). The failure is recorded on the message's {@link EntryAcknowledgment}, so that a later {@code REJECT}
 * dead-letters the entry with it, and a message acknowledged automatically is settled at once as a failed
 * delivery: left pending and delivered again after {@code claim-idle-time}, or dead-lettered when it was the last
 * of {@code max-deliveries} or retrying cannot help. The poll then returns normally.
 * <p>
 * A failure of a message that is not one of this binder's entries is rethrown to the poller, as Spring Cloud
 * Stream does without a binder handler.
 */
public class PolledFailureHandler implements MessageHandler {

	@Override
	public void handleMessage(Message<?> message) throws MessagingException {
		Object payload = message.getPayload();
		EntryAcknowledgment entry = entryOf(message);
		if (entry != null) {
			entry.handlerFailed((Throwable) payload);
			return;
		}
		if (payload instanceof MessagingException failure) {
			throw failure;
		}
		throw new MessagingException(message, (payload instanceof Throwable cause) ? cause : null);
	}

	private static EntryAcknowledgment entryOf(Message<?> message) {
		if (!(message.getPayload() instanceof Throwable)) {
			return null;
		}
		Message<?> failed = (message.getPayload() instanceof MessagingException failure) ? failure.getFailedMessage()
				: null;
		if (failed == null && message instanceof ErrorMessage errorMessage) {
			failed = errorMessage.getOriginalMessage();
		}
		if (failed == null) {
			return null;
		}
		AcknowledgmentCallback callback = StaticMessageHeaderAccessor.getAcknowledgmentCallback(failed);
		return (callback instanceof EntryAcknowledgment entry) ? entry : null;
	}

}
