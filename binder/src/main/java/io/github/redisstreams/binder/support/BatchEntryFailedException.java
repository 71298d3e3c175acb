package io.github.redisstreams.binder.support;

import java.util.List;

/**
 * Thrown by a batch handler ({@code batch-mode: true}) to say which entry of its batch failed. The entries
 * before it are acknowledged as processed; the failed one goes through the binding's retries,
 * {@code max-deliveries} and dead-letter stream like a failing single message; the entries after it are
 * delivered again in a new batch. A batch handler that throws anything else has its whole batch retried,
 * then each of its entries delivered on its own, so that a healthy entry never shares a neighbour's fate.
 * <p>
 * The entry is named by its position in the list the handler received, or by its stream entry id (the
 * {@link RedisStreamHeaders#ENTRY_ID} of its batch headers).
 */
public class BatchEntryFailedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final int index;

	private final String entryId;

	/**
	 * @param message what failed
	 * @param cause the failure of the entry, which decides (as for a single message) whether it is retried
	 * @param index the position of the failed entry in the list the handler received
	 */
	public BatchEntryFailedException(String message, Throwable cause, int index) {
		super(message, cause);
		if (index < 0) {
			throw new IllegalArgumentException("index must not be negative but was " + index);
		}
		this.index = index;
		this.entryId = null;
	}

	/**
	 * @param message what failed
	 * @param cause the failure of the entry
	 * @param entryId the stream entry id of the failed entry
	 */
	public BatchEntryFailedException(String message, Throwable cause, String entryId) {
		super(message, cause);
		if (entryId == null || entryId.isEmpty()) {
			throw new IllegalArgumentException("entryId must not be empty");
		}
		this.index = -1;
		this.entryId = entryId;
	}

	/**
	 * The position of the failed entry in the batch, or -1 when it was named by its entry id.
	 */
	public int getIndex() {
		return this.index;
	}

	/**
	 * The entry id of the failed entry, or null when it was named by its position.
	 */
	public String getEntryId() {
		return this.entryId;
	}

	/**
	 * The position of the failed entry in a batch of entries with these ids.
	 * @param entryIds the ids of the batch, in the order the handler received them
	 * @return the position, or -1 when it is not in the batch
	 */
	public int indexIn(List<String> entryIds) {
		if (this.entryId != null) {
			return entryIds.indexOf(this.entryId);
		}
		return (this.index < entryIds.size()) ? this.index : -1;
	}

	/**
	 * Finds the exception among the causes of a handler's failure (the framework wraps what the handler
	 * threw).
	 * @param failure what the handler's invocation threw
	 * @return the exception, or null when the handler did not say which entry failed
	 */
	public static BatchEntryFailedException find(Throwable failure) {
		Throwable current = failure;
		for (int depth = 0; current != null && depth < 16; depth++) {
			if (current instanceof BatchEntryFailedException found) {
				return found;
			}
			current = current.getCause();
		}
		return null;
	}

}
