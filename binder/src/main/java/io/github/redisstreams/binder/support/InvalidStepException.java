package io.github.redisstreams.binder.support;

/**
 * A transactional binding's handler staged a step that cannot be applied: it writes its own input stream, or,
 * on Redis Cluster, keys of another slot than its input stream's (the atomic step is one script, which cannot
 * span slots; the fix is to give the keys the stream's hash tag, e.g. {@code {orders}:invoices} for the stream
 * {@code orders}). Retrying cannot fix it, so the entry is dead-lettered at once.
 */
public class InvalidStepException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public InvalidStepException(String message) {
		super(message);
	}

}
