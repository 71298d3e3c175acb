package io.github.redisstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The Spring Cloud Stream application of the binder benchmarks, the same for the Redis and the
 * Kafka binder: a {@code Consumer<Order>} bound as {@code orders-in-0} (started on demand) and an
 * output binding {@code orders-out-0} that {@code StreamBridge} sends to. For batch mode the input
 * binding is the {@code Consumer<List<Order>>} {@code orderBatches} instead, under the same binding name
 * (see {@link #start(OrderSink, String, String, int, boolean, List)}).
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class BenchApplication {

	static final String INPUT = "orders-in-0";

	/** The output binding declared by {@code spring.cloud.stream.output-bindings=orders-out}. */
	static final String OUTPUT = "orders-out-0";

	/** The bean name of the {@link OrderSink}, registered by {@code start} (the {@code orders} bean is the same object). */
	static final String SINK = "orderSink";

	/** The function bound in batch mode: the name given to {@code spring.cloud.function.definition}. */
	static final String BATCH_FUNCTION = "orderBatches";

	@Bean
	Consumer<Order> orders(OrderSink sink) {
		return sink;
	}

	/**
	 * The batch consumer ({@code batch-mode: true}): hands each order of the list to the same sink, in
	 * order, as the message-at-a-time consumer does for one, and the batch's size for the report.
	 */
	@Bean
	Consumer<List<Order>> orderBatches(@Qualifier(SINK) OrderSink sink) {
		return sink::acceptAll;
	}

	/** See {@link #start(OrderSink, String, String, int, boolean, List)}; message at a time. */
	static ConfigurableApplicationContext start(OrderSink sink, String destination, String group, int concurrency,
			List<String> extraProperties) {
		return start(sink, destination, group, concurrency, false, extraProperties);
	}

	/**
	 * Starts the application with the properties common to both binders plus the given ones.
	 * @param sink the consumer's sink, registered as a bean
	 * @param destination the stream or topic of both bindings
	 * @param group the consumer group
	 * @param concurrency consumers of the input binding
	 * @param batch whether the input binding is the {@code Consumer<List<Order>>} with the core's
	 * {@code batch-mode=true}, bound under the same name {@value #INPUT}, rather than the {@code Consumer<Order>}
	 * @param extraProperties binder-specific properties, {@code name=value}
	 */
	static ConfigurableApplicationContext start(OrderSink sink, String destination, String group, int concurrency,
			boolean batch, List<String> extraProperties) {
		List<String> args = new ArrayList<>(List.of("--spring.main.banner-mode=off",
				"--spring.cloud.function.definition=" + (batch ? BATCH_FUNCTION : "orders"),
				"--spring.cloud.stream.output-bindings=orders-out",
				"--spring.cloud.stream.bindings." + INPUT + ".destination=" + destination,
				"--spring.cloud.stream.bindings." + INPUT + ".group=" + group,
				"--spring.cloud.stream.bindings." + INPUT + ".consumer.concurrency=" + concurrency,
				"--spring.cloud.stream.bindings." + INPUT + ".consumer.auto-startup=false",
				"--spring.cloud.stream.bindings." + OUTPUT + ".destination=" + destination));
		if (batch) {
			// the batch function's binding takes the name of the message-at-a-time one, so that every other
			// property (and BindingsLifecycleController) addresses it as INPUT
			args.add("--spring.cloud.stream.function.bindings." + BATCH_FUNCTION + "-in-0=" + INPUT);
			args.add("--spring.cloud.stream.bindings." + INPUT + ".consumer.batch-mode=true");
		}
		for (String property : extraProperties) {
			args.add("--" + property);
		}
		return new SpringApplicationBuilder(BenchApplication.class).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.initializers((context) -> context.getBeanFactory().registerSingleton(SINK, sink))
			.run(args.toArray(String[]::new));
	}

}
