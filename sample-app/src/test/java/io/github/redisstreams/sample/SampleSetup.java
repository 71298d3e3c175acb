package io.github.redisstreams.sample;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.redisstreams.sample.analytics.AnalyticsUpdater;
import io.github.redisstreams.sample.order.OrderProcessor;
import io.github.redisstreams.sample.order.OrderPublisher;

/**
 * The sample's configuration for one test: its own stream and key space, so that tests do not see each
 * other's orders, and short timings, so that retries and redeliveries happen within a second or two.
 */
final class SampleSetup {

	static final String GROUP = "order-service";

	static final String ANALYTICS_GROUP = "order-analytics";

	final String destination = TestRedis.uniqueName("orders");

	final String keySpace = TestRedis.uniqueName("sample");

	/**
	 * The properties of the run, as {@code name -> value}.
	 */
	Map<String, String> properties() {
		String in = OrderProcessor.BINDING;
		String redisConsumer = "spring.cloud.stream.redis.bindings." + in + ".consumer.";
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.url", TestRedis.url());
		properties.put("server.port", "0");
		properties.put("sample.key-space", this.keySpace);
		properties.put("spring.cloud.stream.bindings." + in + ".destination", this.destination);
		properties.put("spring.cloud.stream.bindings." + OrderPublisher.BINDING + ".destination", this.destination);
		properties.put("spring.cloud.stream.bindings." + in + ".consumer.back-off-initial-interval", "50");
		properties.put("spring.cloud.stream.bindings." + in + ".consumer.back-off-max-interval", "100");
		properties.put(redisConsumer + "block-timeout", "200ms");
		properties.put(redisConsumer + "claim-idle-time", "1s");
		properties.put(redisConsumer + "claim-interval", "200ms");
		properties.put(redisConsumer + "max-deliveries", "2");
		String analytics = AnalyticsUpdater.BINDING;
		String analyticsConsumer = "spring.cloud.stream.redis.bindings." + analytics + ".consumer.";
		properties.put("spring.cloud.stream.bindings." + analytics + ".destination", this.destination);
		properties.put(analyticsConsumer + "block-timeout", "200ms");
		properties.put(analyticsConsumer + "claim-idle-time", "1s");
		properties.put(analyticsConsumer + "claim-interval", "200ms");
		return properties;
	}

	/**
	 * The properties as command line arguments.
	 * @param overrides further arguments {@code --name=value}; they replace a property of the same name
	 */
	String[] args(String... overrides) {
		Map<String, String> properties = properties();
		for (String override : overrides) {
			int equals = override.indexOf('=');
			properties.put(override.substring(2, equals), override.substring(equals + 1));
		}
		List<String> args = new ArrayList<>();
		properties.forEach((name, value) -> args.add("--" + name + "=" + value));
		return args.toArray(String[]::new);
	}

	String deadLetterStream() {
		return "{" + this.destination + "}:" + GROUP + ":dlq";
	}

	String analyticsDeadLetterStream() {
		return "{" + this.destination + "}:" + ANALYTICS_GROUP + ":dlq";
	}

	String processedMarker(String orderId) {
		return "{" + this.destination + "}:" + GROUP + ":processed:" + orderId;
	}

	/**
	 * Every key a run leaves in Redis, as names and patterns.
	 */
	List<String> keys() {
		return List.of(this.destination, deadLetterStream(), analyticsDeadLetterStream(), processedMarker("*"),
				"{" + this.keySpace + "}:*");
	}

}
