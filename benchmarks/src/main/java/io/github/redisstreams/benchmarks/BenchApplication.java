package io.github.redisstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.redisstreams.binder.support.RedisStreamTransaction;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.binder.test.TestChannelBinderConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The Spring Cloud Stream application of the binder benchmarks, the same for the Redis and the
 * Kafka binder: a {@code Consumer<Order>} bound as {@code orders-in-0} (started on demand) and an
 * output binding {@code orders-out-0} that {@code StreamBridge} sends to. For batch mode the input
 * binding is the {@code Consumer<List<Order>>} {@code orderBatches} instead, under the same binding name
 * (see {@link #start(OrderSink, String, String, int, boolean, List)}). The processor scenario binds the
 * {@code Function<Order, Invoice>} {@code invoices} instead, under the same input binding name, with its output
 * binding {@value #PROCESSOR_OUTPUT} (see {@link #startProcessor(OrderSink, String, String, String, int, String, List)}).
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

	/** The processor of the processor scenario: the name given to {@code spring.cloud.function.definition}. */
	static final String PROCESSOR_FUNCTION = "invoices";

	/** The output binding of the processor (its {@code Function}'s return value). */
	static final String PROCESSOR_OUTPUT = PROCESSOR_FUNCTION + "-out-0";

	/**
	 * The property naming the hash the processor increments for each order through
	 * {@link RedisStreamTransaction#hincrby}; unset, it writes nothing of its own.
	 */
	static final String TOTALS_KEY = "bench.processor.totals-key";

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

	/**
	 * The processor ({@code Function<Order, Invoice>}): counts the order (the sink), returns its invoice, which the
	 * binder writes to the output binding, and, when {@value #TOTALS_KEY} names a hash, adds the invoice's total
	 * to one of its {@value Invoice#TOTALS_FIELDS} fields in the handler's transactional step.
	 */
	@Bean
	Function<Order, Invoice> invoices(@Qualifier(SINK) OrderSink sink, Environment environment) {
		String totalsKey = environment.getProperty(TOTALS_KEY);
		if (totalsKey == null || totalsKey.isEmpty()) {
			return (order) -> {
				sink.accept(order);
				return Invoice.of(order);
			};
		}
		return (order) -> {
			sink.accept(order);
			Invoice invoice = Invoice.of(order);
			RedisStreamTransaction.current().hincrby(totalsKey, invoice.totalsField(), invoice.totalCents());
			return invoice;
		};
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
		return run(sink, args, extraProperties);
	}

	/**
	 * Starts the same application on Spring Cloud Stream's test binder, which moves messages in memory
	 * ({@code InputDestination}/{@code OutputDestination}) and writes nothing anywhere: what the programming model
	 * costs by itself. Message at a time.
	 * @param sink the consumer's sink, registered as a bean
	 * @param destination the destination of the input binding; the output binding's is the same with {@code -out}
	 * (the test binder would otherwise connect the two by itself)
	 * @param group the consumer group
	 */
	static ConfigurableApplicationContext startWithoutTransport(OrderSink sink, String destination, String group) {
		List<String> args = new ArrayList<>(List.of("--spring.main.banner-mode=off",
				"--spring.cloud.function.definition=orders", "--spring.cloud.stream.output-bindings=orders-out",
				"--spring.cloud.stream.bindings." + INPUT + ".destination=" + destination,
				"--spring.cloud.stream.bindings." + INPUT + ".group=" + group,
				"--spring.cloud.stream.bindings." + INPUT + ".consumer.auto-startup=false",
				"--spring.cloud.stream.bindings." + OUTPUT + ".destination=" + destination + "-out",
				"--spring.cloud.stream.default-binder=" + TestChannelBinderConfiguration.NAME));
		return run(TestChannelBinderConfiguration.getCompleteConfiguration(BenchApplication.class), sink, args,
				List.of());
	}

	/**
	 * Starts the application of the processor scenario: the {@code Function<Order, Invoice>} {@value #PROCESSOR_FUNCTION}
	 * bound as {@value #INPUT} (started on demand) and {@value #PROCESSOR_OUTPUT}.
	 * @param sink the sink the processor counts each order with, registered as a bean
	 * @param input the stream of the input binding
	 * @param output the stream of the output binding
	 * @param group the consumer group
	 * @param concurrency consumers of the input binding
	 * @param totalsKey the hash the processor increments per order through {@code RedisStreamTransaction}, or null
	 * @param extraProperties binder-specific properties, {@code name=value}
	 */
	static ConfigurableApplicationContext startProcessor(OrderSink sink, String input, String output, String group,
			int concurrency, String totalsKey, List<String> extraProperties) {
		List<String> args = new ArrayList<>(List.of("--spring.main.banner-mode=off",
				"--spring.cloud.function.definition=" + PROCESSOR_FUNCTION,
				// the processor's input binding takes the name of the other scenarios' one, so that every other
				// property (and BindingsLifecycleController) addresses it as INPUT
				"--spring.cloud.stream.function.bindings." + PROCESSOR_FUNCTION + "-in-0=" + INPUT,
				"--spring.cloud.stream.bindings." + INPUT + ".destination=" + input,
				"--spring.cloud.stream.bindings." + INPUT + ".group=" + group,
				"--spring.cloud.stream.bindings." + INPUT + ".consumer.concurrency=" + concurrency,
				"--spring.cloud.stream.bindings." + INPUT + ".consumer.auto-startup=false",
				"--spring.cloud.stream.bindings." + PROCESSOR_OUTPUT + ".destination=" + output));
		if (totalsKey != null) {
			args.add("--" + TOTALS_KEY + "=" + totalsKey);
		}
		return run(sink, args, extraProperties);
	}

	private static ConfigurableApplicationContext run(OrderSink sink, List<String> args, List<String> extraProperties) {
		return run(new Class<?>[] { BenchApplication.class }, sink, args, extraProperties);
	}

	private static ConfigurableApplicationContext run(Class<?>[] sources, OrderSink sink, List<String> args,
			List<String> extraProperties) {
		for (String property : extraProperties) {
			args.add("--" + property);
		}
		return new SpringApplicationBuilder(sources).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.initializers((context) -> context.getBeanFactory().registerSingleton(SINK, sink))
			.run(args.toArray(String[]::new));
	}

}
