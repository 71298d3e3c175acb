package io.github.redisstreams.binder.support;

/**
 * A stream entry that cannot become a message (no {@code payload} field, for example). Retrying
 * cannot fix it, so the binder dead-letters it at once.
 */
public class MalformedEntryException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public MalformedEntryException(String message) {
		super(message);
	}

	public MalformedEntryException(String message, Throwable cause) {
		super(message, cause);
	}

}
