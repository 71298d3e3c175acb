package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.Message;

import io.github.redisstreams.binder.support.RedisStreamAcknowledgment;
import io.github.redisstreams.binder.support.RedisStreamHeaders;

/**
 * A Spring Cloud Stream application whose consumer, {@code handleOrder} (binding {@code handleOrder-in-0}),
 * settles entries itself ({@code ack-mode: manual}): by default it keeps each message's acknowledgement handle
 * for the test, which settles it later from its own thread.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ManualAckTestApp {

	public static final String BINDING = "handleOrder-in-0";

	@Bean
	Handler manualHandler() {
		return new Handler();
	}

	@Bean
	Consumer<Message<Order>> handleOrder(Handler handler) {
		return handler::handle;
	}

	public static ConfigurableApplicationContext start(String destination, String group, String... extraArgs) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.function.definition=handleOrder",
				"--spring.cloud.stream.bindings." + BINDING + ".destination=" + destination,
				"--spring.cloud.stream.bindings." + BINDING + ".group=" + group,
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.ack-mode=manual",
				"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.back-off-initial-interval=10",
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.back-off-max-interval=20"));
		args.addAll(Arrays.asList(extraArgs));
		return new SpringApplicationBuilder(ManualAckTestApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

	public static String redisConsumer(String name, Object value) {
		return "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer." + name + "=" + value;
	}

	public static String consumer(String name, Object value) {
		return "--spring.cloud.stream.bindings." + BINDING + ".consumer." + name + "=" + value;
	}

	/**
	 * Counts deliveries per order id and keeps the handles it was given, in order; a test may replace what it
	 * does with each message.
	 */
	public static class Handler {

		private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();

		private final Queue<RedisStreamAcknowledgment> handles = new ConcurrentLinkedQueue<>();

		private volatile Consumer<Message<Order>> behaviour = (message) -> {
		};

		public void behave(Consumer<Message<Order>> behaviour) {
			this.behaviour = behaviour;
		}

		void handle(Message<Order> message) {
			this.deliveries.computeIfAbsent(message.getPayload().orderId(), (id) -> new AtomicInteger()).incrementAndGet();
			this.handles.add(acknowledgment(message));
			this.behaviour.accept(message);
		}

		public int deliveries(String orderId) {
			AtomicInteger count = this.deliveries.get(orderId);
			return (count != null) ? count.get() : 0;
		}

		public int totalDeliveries() {
			return this.deliveries.values().stream().mapToInt(AtomicInteger::get).sum();
		}

		/** The handle of the oldest delivery not taken yet, or null. */
		public RedisStreamAcknowledgment nextHandle() {
			return this.handles.poll();
		}

		public static RedisStreamAcknowledgment acknowledgment(Message<?> message) {
			return message.getHeaders().get(RedisStreamHeaders.ACKNOWLEDGMENT, RedisStreamAcknowledgment.class);
		}

	}

}
