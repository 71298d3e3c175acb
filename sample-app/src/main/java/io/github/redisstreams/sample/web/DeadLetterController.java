package io.github.redisstreams.sample.web;

import java.time.Instant;
import java.util.List;

import org.springframework.cloud.stream.config.BindingServiceProperties;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.github.redisstreams.binder.metrics.BindingNames;
import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.recovery.DeadLetter;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;
import io.github.redisstreams.sample.order.OrderProcessor;

/**
 * {@code GET /orders/dlq}: the newest orders that the {@code processOrder} binding gave up, with the
 * failure that made each one fail.
 * <p>
 * On Redis the binder names the binding's dead-letter stream ({@link RedisStreamBindingRegistry}, by binding
 * name, as the {@code redisstreams} actuator endpoint does) and {@link RedisStreamDeadLetterOperations} reads
 * it (and can also replay and purge it). When the binding runs on Kafka (the {@code kafka} profile), the
 * answer only names the dead-letter topic.
 */
@RestController
public class DeadLetterController {

	private final RedisStreamBindingRegistry redisBindings;

	private final RedisStreamDeadLetterOperations deadLetters;

	private final BindingServiceProperties bindings;

	private final Environment environment;

	public DeadLetterController(RedisStreamBindingRegistry redisBindings, RedisStreamDeadLetterOperations deadLetters,
			BindingServiceProperties bindings, Environment environment) {
		this.redisBindings = redisBindings;
		this.deadLetters = deadLetters;
		this.bindings = bindings;
		this.environment = environment;
	}

	@GetMapping("/orders/dlq")
	public DeadLetterReport deadLetters(@RequestParam(defaultValue = "20") int limit) {
		String binding = OrderProcessor.BINDING;
		ConsumerBindingView onRedis = BindingNames.byUniqueName(this.redisBindings.consumers()).get(binding);
		if (onRedis != null) {
			String stream = onRedis.deadLetterStream();
			if (stream == null) {
				// enable-dlq: false
				return new DeadLetterReport("redis", null, 0L, List.of());
			}
			List<DeadLetterView> newest = this.deadLetters.newest(stream, Math.max(1, Math.min(limit, 1000)))
				.stream()
				.map(DeadLetterView::of)
				.toList();
			return new DeadLetterReport("redis", stream, this.deadLetters.count(stream), newest);
		}
		if (runsOnKafka(binding)) {
			// the Kafka binder's dead letters are records of a topic: name it, read it with Kafka's tools
			String topic = this.environment.getProperty(
					"spring.cloud.stream.kafka.bindings." + binding + ".consumer.dlq-name",
					"error." + this.bindings.getBindingDestination(binding) + "." + this.bindings.getGroup(binding));
			return new DeadLetterReport("kafka", topic, null, List.of());
		}
		throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "The binding " + binding + " is not running");
	}

	private boolean runsOnKafka(String binding) {
		String binder = this.bindings.getBinder(binding);
		return "kafka".equals((binder != null) ? binder : this.bindings.getDefaultBinder());
	}

	/**
	 * Where the dead letters of the order binding are and the newest of them.
	 *
	 * @param binder the binder of the binding: {@code redis} or {@code kafka}
	 * @param location the dead-letter stream (Redis) or topic (Kafka); null when the binding has none
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
