package io.github.redisstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The Spring Cloud Stream application of the binder benchmarks, the same for the Redis and the
 * Kafka binder: a {@code Consumer<Order>} bound as {@code orders-in-0} (started on demand) and an
 * output binding {@code orders-out-0} that {@code StreamBridge} sends to.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class BenchApplication {

	static final String INPUT = "orders-in-0";

	/** The output binding declared by {@code spring.cloud.stream.output-bindings=orders-out}. */
	static final String OUTPUT = "orders-out-0";

	@Bean
	Consumer<Order> orders(OrderSink sink) {
		return sink;
	}

	/**
	 * Starts the application with the properties common to both binders plus the given ones.
	 * @param sink the consumer's sink, registered as a bean
	 * @param destination the stream or topic of both bindings
	 * @param group the consumer group
	 * @param concurrency consumers of the input binding
	 * @param extraProperties binder-specific properties, {@code name=value}
	 */
	static ConfigurableApplicationContext start(OrderSink sink, String destination, String group, int concurrency,
			List<String> extraProperties) {
		List<String> args = new ArrayList<>(List.of("--spring.main.banner-mode=off",
				"--spring.cloud.function.definition=orders", "--spring.cloud.stream.output-bindings=orders-out",
				"--spring.cloud.stream.bindings." + INPUT + ".destination=" + destination,
				"--spring.cloud.stream.bindings." + INPUT + ".group=" + group,
				"--spring.cloud.stream.bindings." + INPUT + ".consumer.concurrency=" + concurrency,
				"--spring.cloud.stream.bindings." + INPUT + ".consumer.auto-startup=false",
				"--spring.cloud.stream.bindings." + OUTPUT + ".destination=" + destination));
		for (String property : extraProperties) {
			args.add("--" + property);
		}
		return new SpringApplicationBuilder(BenchApplication.class).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.initializers((context) -> context.getBeanFactory().registerSingleton("orderSink", sink))
			.run(args.toArray(String[]::new));
	}

}
