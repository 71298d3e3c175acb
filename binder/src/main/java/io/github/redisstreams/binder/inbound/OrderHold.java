package io.github.redisstreams.binder.inbound;

/**
 * On a partition read in stream order: set when an entry is left pending after a failed delivery, so that the
 * consumer stops its batch there and delivers that entry again before anything behind it. Used by one consumer
 * thread.
 */
final class OrderHold {

	private volatile String failedId;

	void failed(String id) {
		if (this.failedId == null) {
			this.failedId = id;
		}
	}

	boolean isSet() {
		return this.failedId != null;
	}

	String failedId() {
		return this.failedId;
	}

	void clear() {
		this.failedId = null;
	}

}
