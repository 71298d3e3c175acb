package io.github.redisstreams.binder.support;

/**
 * The failure recorded for an entry that the application rejected ({@code AcknowledgmentCallback.Status.REJECT}
 * on a polled message) without its handler having failed: the dead letter says who gave it up.
 */
public class EntryRejectedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public EntryRejectedException(String entryId) {
		super("Entry " + entryId + " was rejected by the application (acknowledged with REJECT)");
	}

}
