package io.github.redisstreams.binder.test;

/**
 * The message type of the test applications.
 *
 * @param orderId the business key
 * @param quantity a number the handlers may judge
 */
public record Order(String orderId, int quantity) {

	/**
	 * The JSON form of an order, as a producer in any language would write it.
	 * @return e.g. {@code {"orderId":"o-1","quantity":2}}
	 */
	public String toJson() {
		return "{\"orderId\":\"" + this.orderId + "\",\"quantity\":" + this.quantity + "}";
	}

}
