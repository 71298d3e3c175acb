package io.github.redisstreams.sample;

/**
 * Orders as JSON text, as a producer outside the application would write them.
 */
final class OrderJson {

	private OrderJson() {
	}

	static String of(String orderId, String customerId, int quantity, String amount) {
		return "{\"orderId\":\"" + orderId + "\",\"customerId\":\"" + customerId + "\",\"sku\":\"book-1\",\"quantity\":"
				+ quantity + ",\"amount\":" + amount + ",\"createdAt\":\"2025-01-01T10:00:00Z\"}";
	}

}
