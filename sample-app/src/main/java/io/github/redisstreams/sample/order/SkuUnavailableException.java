package io.github.redisstreams.sample.order;

/**
 * An order that cannot be processed now because its SKU is unavailable ({@code sample.unavailable-skus}): it
 * stands for a failure outside the order, such as a service the handler calls being down. Unlike an invalid
 * order, the same order succeeds once the cause is gone, so its dead letter is worth replaying.
 */
public class SkuUnavailableException extends RuntimeException {

	public SkuUnavailableException(String message) {
		super(message);
	}

}
