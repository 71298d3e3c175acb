package io.github.redisstreams.binder.inbound;

/**
 * On a partition read in stream order: set when an entry is left pending after a failed delivery, so that the
 * consumer stops its batch there and delivers that entry again before anything behind it; or when another consumer
 * took one of its entries (its partition's lease may have passed to a new owner), so that it stops its batch and
 * starts none of the entries behind. Set by the consumer thread and by the entry lease keeper.
 */
final class OrderHold {

	private volatile String failedId;

	private volatile boolean takenAway;

	/**
	 * Another consumer owns an entry this consumer fetched: the partition may have a new owner.
	 */
	void takenAway() {
		this.takenAway = true;
	}

	boolean isTakenAway() {
		return this.takenAway;
	}

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
		this.takenAway = false;
	}

}
