package io.github.redisstreams.sample.web;

import java.time.Instant;
import java.util.List;

import org.springframework.cloud.stream.config.BinderProperties;
import org.springframework.cloud.stream.config.BindingServiceProperties;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.github.redisstreams.binder.recovery.DeadLetter;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;
import io.github.redisstreams.sample.order.OrderProcessor;

/**
 * {@code GET /orders/dlq}: the newest orders that the {@code processOrder} binding gave up, with the
 * failure that made each one fail.
 * <p>
 * On Redis they are read from the binding's dead-letter stream with the binder's
 * {@link RedisStreamDeadLetterOperations} (which can also replay and purge them). When the binding runs on
 * Kafka, the answer only names the dead-letter topic.
 */
@RestController
public class DeadLetterController {

	private final RedisStreamDeadLetterOperations deadLetters;

	private final BindingServiceProperties bindings;

	private final Environment environment;

	public DeadLetterController(RedisStreamDeadLetterOperations deadLetters, BindingServiceProperties bindings,
			Environment environment) {
		this.deadLetters = deadLetters;
		this.bindings = bindings;
		this.environment = environment;
	}

	@GetMapping("/orders/dlq")
	public DeadLetterReport deadLetters(@RequestParam(defaultValue = "20") int limit) {
		String binding = OrderProcessor.BINDING;
		String destination = this.bindings.getBindingDestination(binding);
		String group = this.bindings.getGroup(binding);
		if ("kafka".equals(binderType(binding))) {
			String topic = this.environment.getProperty(
					"spring.cloud.stream.kafka.bindings." + binding + ".consumer.dlq-name",
					"error." + destination + "." + group);
			return new DeadLetterReport("kafka", topic, null, List.of());
		}
		String stream = deadLetterStream(binding, destination, group);
		List<DeadLetterView> newest = this.deadLetters.newest(stream, Math.max(1, Math.min(limit, 1000)))
			.stream()
			.map(DeadLetterView::of)
			.toList();
		return new DeadLetterReport("redis", stream, this.deadLetters.count(stream), newest);
	}

	private String binderType(String binding) {
		String binder = this.bindings.getBinder(binding);
		if (binder == null) {
			binder = this.bindings.getDefaultBinder();
		}
		BinderProperties configured = (binder != null) ? this.bindings.getBinders().get(binder) : null;
		return (configured != null && configured.getType() != null) ? configured.getType() : binder;
	}

	/**
	 * The dead-letter stream as the binder names it: {@code dlq-name} when set, otherwise derived from
	 * the stream key ({@code key-prefix} + destination) and the group.
	 */
	private String deadLetterStream(String binding, String destination, String group) {
		String configured = this.environment.getProperty("spring.cloud.stream.redis.bindings." + binding
				+ ".consumer.dlq-name", this.environment.getProperty("spring.cloud.stream.redis.default.consumer.dlq-name"));
		if (configured != null) {
			return configured;
		}
		String keyPrefix = this.environment.getProperty("spring.cloud.stream.redis.binder.key-prefix", "");
		return RedisStreamDeadLetterOperations.deadLetterStream(keyPrefix + destination, group);
	}

	/**
	 * Where the dead letters of the order binding are and the newest of them.
	 *
	 * @param binder the binder of the binding: {@code redis} or {@code kafka}
	 * @param location the dead-letter stream (Redis) or topic (Kafka)
	 * @param count how many dead letters the stream holds; null for Kafka
	 * @param newest the newest dead letters, newest first; empty for Kafka
	 */
	public record DeadLetterReport(String binder, String location, Long count, List<DeadLetterView> newest) {

	}

	/**
	 * One dead letter: the original entry and why it failed.
	 *
	 * @param id its id in the dead-letter stream
	 * @param originalId its id in the source stream
	 * @param deliveryCount how often it had been delivered
	 * @param failedAt when it was dead-lettered
	 * @param exception the class of the failure
	 * @param message the message of the failure
	 * @param payload the original payload, as text
	 */
	public record DeadLetterView(String id, String originalId, long deliveryCount, Instant failedAt, String exception,
			String message, String payload) {

		static DeadLetterView of(DeadLetter deadLetter) {
			return new DeadLetterView(deadLetter.id(), deadLetter.originalId(), deadLetter.deliveryCount(),
					deadLetter.failedAt(), deadLetter.exceptionClass(), deadLetter.exceptionMessage(),
					deadLetter.payloadAsString());
		}

	}

}
