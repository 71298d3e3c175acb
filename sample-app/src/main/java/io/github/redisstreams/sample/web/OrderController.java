package io.github.redisstreams.sample.web;

import java.net.URI;
import java.time.Instant;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.messaging.MessagingException;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.redisstreams.sample.order.Order;
import io.github.redisstreams.sample.order.OrderLedger;
import io.github.redisstreams.sample.order.OrderPublisher;
import io.github.redisstreams.sample.order.OrderStats;
import io.github.redisstreams.sample.order.ProcessedOrder;

/**
 * Places orders and shows what processing them did.
 * <ul>
 * <li>{@code POST /orders} publishes an order (JSON) and answers 202 Accepted once the broker has it;
 * processing happens asynchronously. A missing {@code orderId} or {@code createdAt} is filled in; the
 * order is not validated here, so that an invalid one can be seen failing in the pipeline.</li>
 * <li>{@code GET /orders/{orderId}} shows a processed order.</li>
 * <li>{@code GET /orders/stats} shows the totals.</li>
 * </ul>
 */
@RestController
@RequestMapping("/orders")
public class OrderController {

	private final OrderPublisher publisher;

	private final OrderLedger ledger;

	public OrderController(OrderPublisher publisher, OrderLedger ledger) {
		this.publisher = publisher;
		this.ledger = ledger;
	}

	@PostMapping
	public ResponseEntity<Order> place(@RequestBody Order request) {
		Order order = new Order(
				StringUtils.hasText(request.orderId()) ? request.orderId() : UUID.randomUUID().toString(),
				request.customerId(), request.sku(), request.quantity(), request.amount(),
				(request.createdAt() != null) ? request.createdAt() : Instant.now());
		this.publisher.publish(order);
		return ResponseEntity.accepted().location(URI.create("/orders/" + order.orderId())).body(order);
	}

	@GetMapping("/{orderId}")
	public ResponseEntity<ProcessedOrder> find(@PathVariable String orderId) {
		return ResponseEntity.of(this.ledger.find(orderId));
	}

	@GetMapping("/stats")
	public OrderStats stats() {
		return this.ledger.stats();
	}

	@ExceptionHandler(MessagingException.class)
	public ProblemDetail notPublished(MessagingException ex) {
		return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"The order was not published: " + ex.getMostSpecificCause().getMessage());
	}

}
