package io.github.redisstreams.binder.recovery;

import java.util.Set;

/**
 * The fields the binder adds to a dead-letter entry, next to the original entry's own fields
 * ({@code payload} and headers, unchanged).
 */
public final class DeadLetterFields {

	/** The stream the entry was read from. */
	public static final String ORIGINAL_STREAM = "x-original-stream";

	/** The entry's id in that stream. */
	public static final String ORIGINAL_ID = "x-original-id";

	/** The consumer group that failed to process it. */
	public static final String ORIGINAL_GROUP = "x-original-group";

	/** The consumer that gave it up. */
	public static final String ORIGINAL_CONSUMER = "x-original-consumer";

	/** Redis's delivery counter of the entry when it was given up. */
	public static final String DELIVERY_COUNT = "x-delivery-count";

	/** When it was dead-lettered, epoch milliseconds. */
	public static final String FAILED_AT = "x-failed-at";

	/** Class name of the exception that made it fail. */
	public static final String EXCEPTION_CLASS = "x-exception-fqcn";

	/** Message of that exception. */
	public static final String EXCEPTION_MESSAGE = "x-exception-message";

	/** Stack trace of the failure, cut at {@link #MAX_STACK_TRACE_LENGTH} characters. */
	public static final String EXCEPTION_STACKTRACE = "x-exception-stacktrace";

	/** Longest stack trace kept in a dead letter, in characters. */
	public static final int MAX_STACK_TRACE_LENGTH = 8192;

	/** Every field above; replay removes them before the entry goes back to its stream. */
	public static final Set<String> ALL = Set.of(ORIGINAL_STREAM, ORIGINAL_ID, ORIGINAL_GROUP, ORIGINAL_CONSUMER,
			DELIVERY_COUNT, FAILED_AT, EXCEPTION_CLASS, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE);

	private DeadLetterFields() {
	}

}
