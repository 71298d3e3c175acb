package io.github.redisstreams.binder.support;

/**
 * A transactional binding's handler wrote to keys of another Redis Cluster slot than its input stream's: the
 * atomic step (one script) cannot span slots. Retrying cannot fix it, so the entry is dead-lettered at once;
 * the fix is to give the keys the stream's hash tag, e.g. {@code {orders}:invoices} for the stream
 * {@code orders}.
 */
public class CrossSlotStepException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public CrossSlotStepException(String message) {
		super(message);
	}

}
