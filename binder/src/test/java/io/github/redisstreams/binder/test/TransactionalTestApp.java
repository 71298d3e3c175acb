package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.support.RedisStreamTransaction;

/**
 * A transactional processor ({@code transactional: true}): {@code invoice} reads orders, adds each order's
 * quantity to the hash {@code <totals key>} (field {@code quantity}) through {@link RedisStreamTransaction}, and
 * returns an invoice to its output stream; both are applied with the input's acknowledgement, atomically. A test
 * may add a behaviour that runs after the staging (to fail, or to wait).
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class TransactionalTestApp {

	public static final String BINDING = "invoice-in-0";

	@Bean
	Behaviour behaviour() {
		return new Behaviour();
	}

	@Bean
	Function<Order, String> invoice(Behaviour behaviour, @Value("${test.totals-key}") String totalsKey) {
		return (order) -> {
			behaviour.calls.incrementAndGet();
			RedisStreamTransaction.current().hincrby(totalsKey, "quantity", order.quantity());
			behaviour.after.accept(order);
			return "invoice-" + order.orderId();
		};
	}

	/**
	 * @param input the input stream
	 * @param output the output stream (give it the input's hash tag for Redis Cluster)
	 * @param totalsKey the hash of totals
	 */
	public static ConfigurableApplicationContext start(String input, String output, String totalsKey,
			String... extraArgs) {
		return startOn(RedisTestSupport.redisUrl(), "billing", input, output, totalsKey, extraArgs);
	}

	/**
	 * Starts the application on the given Redis, in the given group.
	 */
	public static ConfigurableApplicationContext startOn(String redisUrl, String group, String input, String output,
			String totalsKey, String... extraArgs) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + redisUrl,
				"--spring.cloud.function.definition=invoice",
				"--spring.cloud.stream.bindings.invoice-in-0.destination=" + input,
				"--spring.cloud.stream.bindings.invoice-in-0.group=" + group,
				"--spring.cloud.stream.bindings.invoice-out-0.destination=" + output,
				"--spring.cloud.stream.redis.bindings.invoice-in-0.consumer.transactional=true",
				"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
				"--spring.cloud.stream.bindings.invoice-in-0.consumer.back-off-initial-interval=10",
				"--spring.cloud.stream.bindings.invoice-in-0.consumer.back-off-max-interval=20",
				"--test.totals-key=" + totalsKey));
		args.addAll(Arrays.asList(extraArgs));
		return new SpringApplicationBuilder(TransactionalTestApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

	/**
	 * What the handler does after staging its writes, and how often it ran.
	 */
	public static class Behaviour {

		final AtomicInteger calls = new AtomicInteger();

		volatile Consumer<Order> after = (order) -> {
		};

		public void after(Consumer<Order> after) {
			this.after = after;
		}

		public int calls() {
			return this.calls.get();
		}

	}

}
