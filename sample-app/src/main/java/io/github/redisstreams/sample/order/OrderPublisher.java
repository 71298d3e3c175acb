package io.github.redisstreams.sample.order;

import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.stereotype.Component;

/**
 * Publishes orders to the output binding {@value #BINDING}, declared in {@code application.yml}
 * ({@code spring.cloud.stream.output-bindings}) and bound to the destination {@code orders}.
 */
@Component
public class OrderPublisher {

	/** The output binding the orders are sent through. */
	public static final String BINDING = "orders-out-0";

	private final StreamBridge streamBridge;

	public OrderPublisher(StreamBridge streamBridge) {
		this.streamBridge = streamBridge;
	}

	/**
	 * Publishes an order as JSON. With a synchronous producer (the sample's configuration) it returns
	 * only once the broker has stored the order.
	 * @param order the order
	 * @throws org.springframework.messaging.MessagingException when the broker did not take it
	 */
	public void publish(Order order) {
		if (!this.streamBridge.send(BINDING, order)) {
			throw new IllegalStateException("Order " + order.orderId() + " was not sent to binding " + BINDING);
		}
	}

}
