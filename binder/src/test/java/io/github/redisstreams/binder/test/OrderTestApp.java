package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A Spring Cloud Stream application with one functional consumer, {@code handleOrder}, bound through the
 * Redis binder: binding {@code handleOrder-in-0}. Tests start it with the destination, group and
 * properties of their scenario.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class OrderTestApp {

	@Bean
	OrderHandler orderHandler() {
		return new OrderHandler();
	}

	@Bean
	Consumer<Order> handleOrder(OrderHandler orderHandler) {
		return orderHandler::handle;
	}

	/**
	 * Starts the application against the test Redis.
	 * @param destination the stream to consume
	 * @param group the consumer group
	 * @param extraArgs further {@code --property=value} arguments
	 * @return the running context
	 */
	public static ConfigurableApplicationContext start(String destination, String group, String... extraArgs) {
		return startOn(RedisTestSupport.redisUrl(), destination, group, extraArgs);
	}

	/**
	 * Starts the application against the given Redis.
	 */
	public static ConfigurableApplicationContext startOn(String redisUrl, String destination, String group,
			String... extraArgs) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + redisUrl,
				"--spring.cloud.function.definition=handleOrder",
				"--spring.cloud.stream.bindings.handleOrder-in-0.destination=" + destination,
				"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
				"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.back-off-initial-interval=10",
				"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.back-off-max-interval=20"));
		if (group != null) {
			args.add("--spring.cloud.stream.bindings.handleOrder-in-0.group=" + group);
		}
		args.addAll(Arrays.asList(extraArgs));
		return new SpringApplicationBuilder(OrderTestApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

}
