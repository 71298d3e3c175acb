package io.github.redisstreams.binder.support;

import org.springframework.messaging.MessagingException;

/**
 * Which failures may quote message content in their message: those of the converters, whose parsers
 * name the token they could not read (Jackson's "Unrecognized token 'secret'"). The binder keeps their
 * messages out of its logs and the actuator endpoint unless the application opts in
 * ({@code spring.cloud.stream.redis.binder.log-payloads}, {@code show-payloads}); they stay in the dead
 * letter in Redis.
 */
public final class PayloadQuoting {

	private PayloadQuoting() {
	}

	/**
	 * Whether a failure of this class may quote the payload in its message.
	 * @param exceptionClassName the failure's class name
	 * @return true for conversion and JSON parsing failures
	 */
	public static boolean mayQuotePayload(String exceptionClassName) {
		if (exceptionClassName == null) {
			return false;
		}
		return exceptionClassName.contains(".jackson.") || exceptionClassName.contains(".json.")
				|| exceptionClassName.endsWith("ConversionException")
				|| exceptionClassName.endsWith("ConversionFailedException");
	}

	/**
	 * Whether a failure, or one of its causes, may quote the payload.
	 * @param failure the failure
	 * @return true when any exception of its chain may
	 */
	public static boolean mayQuotePayload(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (mayQuotePayload(current.getClass().getName())) {
				return true;
			}
			if (current.getCause() == current) {
				break;
			}
		}
		return false;
	}

	/**
	 * The exception to log with its stack trace: the failure itself with content allowed; otherwise the
	 * application's exception inside the messaging wrappers (whose messages print the failed message's
	 * headers), or none when it may quote the payload.
	 * @param failure the failure
	 * @param withContent whether content may be shown
	 * @return the exception to log, or null
	 */
	public static Throwable loggable(Throwable failure, boolean withContent) {
		if (withContent || failure == null) {
			return failure;
		}
		if (mayQuotePayload(failure)) {
			return null;
		}
		Throwable current = failure;
		while (current instanceof MessagingException && current.getCause() != null) {
			current = current.getCause();
		}
		return (current instanceof MessagingException) ? null : current;
	}

	/**
	 * A failure for a log: its class and message, or only its class when it may quote the payload and
	 * content must not be shown.
	 * @param failure the failure
	 * @param withContent whether content may be shown
	 * @return the description
	 */
	public static String describe(Throwable failure, boolean withContent) {
		if (withContent) {
			return String.valueOf(failure);
		}
		if (failure instanceof MessagingException && !mayQuotePayload(failure)) {
			// its message prints the failed message with its headers
			return failure.getClass().getName();
		}
		if (!mayQuotePayload(failure)) {
			return String.valueOf(failure);
		}
		return failure.getClass().getName() + " (its message is not logged, as it may quote the payload: see the "
				+ "dead letter, or set spring.cloud.stream.redis.binder.log-payloads)";
	}

}
