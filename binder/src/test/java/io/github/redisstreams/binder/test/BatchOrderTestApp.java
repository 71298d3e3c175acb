package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.Message;

/**
 * A Spring Cloud Stream application with one batch consumer, {@code handleOrders} ({@code batch-mode: true}),
 * bound through the Redis binder: binding {@code handleOrders-in-0}. It takes the batch as a message, so that
 * tests see the per-entry headers too.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class BatchOrderTestApp {

	public static final String BINDING = "handleOrders-in-0";

	@Bean
	BatchOrderHandler batchOrderHandler() {
		return new BatchOrderHandler();
	}

	@Bean
	Consumer<Message<List<Order>>> handleOrders(BatchOrderHandler handler) {
		return handler::handle;
	}

	/**
	 * A batch processor: one output per batch, the number of orders and their total quantity.
	 */
	@Bean
	Function<List<Order>, String> summarizeOrders() {
		return (orders) -> orders.size() + ":" + orders.stream().mapToInt(Order::quantity).sum();
	}

	/**
	 * Starts the application against the test Redis.
	 * @param destination the stream to consume
	 * @param group the consumer group
	 * @param extraArgs further {@code --property=value} arguments
	 * @return the running context
	 */
	public static ConfigurableApplicationContext start(String destination, String group, String... extraArgs) {
		return run(destination, group, "handleOrders", extraArgs);
	}

	/**
	 * Starts the application with {@code summarizeOrders} (binding {@code summarizeOrders-in-0}, batch-mode) writing
	 * to {@code output}.
	 */
	public static ConfigurableApplicationContext startProcessor(String destination, String group, String output,
			String... extraArgs) {
		List<String> args = new ArrayList<>(Arrays.asList(extraArgs));
		args.add("--spring.cloud.stream.bindings.summarizeOrders-out-0.destination=" + output);
		return run(destination, group, "summarizeOrders", args.toArray(String[]::new));
	}

	private static ConfigurableApplicationContext run(String destination, String group, String function,
			String... extraArgs) {
		String binding = function + "-in-0";
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.function.definition=" + function,
				"--spring.cloud.stream.bindings." + binding + ".destination=" + destination,
				"--spring.cloud.stream.bindings." + binding + ".group=" + group,
				"--spring.cloud.stream.bindings." + binding + ".consumer.batch-mode=true",
				"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
				"--spring.cloud.stream.bindings." + binding + ".consumer.back-off-initial-interval=10",
				"--spring.cloud.stream.bindings." + binding + ".consumer.back-off-max-interval=20"));
		args.addAll(Arrays.asList(extraArgs));
		return new SpringApplicationBuilder(BatchOrderTestApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

	/**
	 * A consumer property of the binding.
	 * @param name e.g. {@code max-attempts}
	 * @param value its value
	 * @return the argument
	 */
	public static String consumer(String name, Object value) {
		return "--spring.cloud.stream.bindings." + BINDING + ".consumer." + name + "=" + value;
	}

	/**
	 * A Redis consumer property of the binding.
	 * @param name e.g. {@code read-count}
	 * @param value its value
	 * @return the argument
	 */
	public static String redisConsumer(String name, Object value) {
		return "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer." + name + "=" + value;
	}

}
