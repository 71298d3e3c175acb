package io.github.redisstreams.sample.order;

/**
 * An order that breaks a business rule (e.g. a quantity of zero). Retrying does not fix it, but the
 * sample leaves it retryable on purpose, to show the whole path of a failing message: in-process
 * retries, redeliveries, then the dead-letter stream. List it as not retryable
 * ({@code retryable-exceptions}) to dead-letter such orders on their first failure.
 */
public class InvalidOrderException extends RuntimeException {

	public InvalidOrderException(String message) {
		super(message);
	}

}
