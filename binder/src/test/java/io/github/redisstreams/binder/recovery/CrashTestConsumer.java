package io.github.redisstreams.binder.recovery;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.Message;

import io.github.redisstreams.binder.support.RedisStreamAcknowledgment;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.support.RedisStreamTransaction;
import io.github.redisstreams.binder.test.Order;

/**
 * A consumer application run in a separate JVM by {@link ConsumerCrashTests}, so that the test can kill
 * it with SIGKILL in the middle of its work. Each order it completes is counted in the Redis hash
 * {@code <stream>:processed} (field = order id), which the test reads to count deliveries by business
 * key.
 * <p>
 * Arguments: Spring Boot {@code --name=value} arguments, plus {@code --crash-test.handler-millis}: how long
 * handling one order takes.
 * <p>
 * Every order that reaches the handler is first counted in {@code <stream>:handed}; an order whose id starts
 * with {@value #KILLER} then halts the JVM. {@code handleOrders} does the same for each order of a batch
 * (batch-mode).
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class CrashTestConsumer {

	static final String KILLER = "kill-jvm";

	public static void main(String[] args) {
		new SpringApplicationBuilder(CrashTestConsumer.class).web(WebApplicationType.NONE).run(args);
	}

	@Bean
	Consumer<Order> handleOrder(StringRedisTemplate redis,
			@org.springframework.beans.factory.annotation.Value("${crash-test.handler-millis}") long handlerMillis,
			@org.springframework.beans.factory.annotation.Value("${crash-test.stream:${spring.cloud.stream.bindings.handleOrder-in-0.destination:}}") String stream) {
		return (order) -> handle(order, redis, handlerMillis, stream);
	}

	/**
	 * The same work for a batch consumer ({@code handleOrders}, batch-mode): each order of the batch in turn.
	 */
	@Bean
	Consumer<List<Order>> handleOrders(StringRedisTemplate redis,
			@org.springframework.beans.factory.annotation.Value("${crash-test.handler-millis}") long handlerMillis,
			@org.springframework.beans.factory.annotation.Value("${crash-test.stream:${spring.cloud.stream.bindings.handleOrders-in-0.destination:}}") String stream) {
		return (orders) -> orders.forEach((order) -> handle(order, redis, handlerMillis, stream));
	}

	/**
	 * The same work with manual acknowledgement (ack-mode manual, {@code handleOrderManually}): the handler
	 * returns at once and a worker thread does the work, then acknowledges.
	 */
	@Bean
	Consumer<Message<Order>> handleOrderManually(StringRedisTemplate redis, ExecutorService crashTestWorker,
			@org.springframework.beans.factory.annotation.Value("${crash-test.handler-millis}") long handlerMillis,
			@org.springframework.beans.factory.annotation.Value("${crash-test.stream:}") String stream) {
		return (message) -> {
			RedisStreamAcknowledgment acknowledgment = message.getHeaders()
				.get(RedisStreamHeaders.ACKNOWLEDGMENT, RedisStreamAcknowledgment.class);
			crashTestWorker.execute(() -> {
				handle(message.getPayload(), redis, handlerMillis, stream);
				acknowledgment.acknowledge();
			});
		};
	}

	/**
	 * A transactional processor ({@code invoiceOrder}, transactional: true): counts each order in
	 * {@code <stream>:handed} at once, works, then stages, for the atomic step, its quantity in
	 * {@code {<stream>}:totals} and a count per order id in {@code {<stream>}:applied}, and returns an invoice.
	 */
	@Bean
	Function<Order, String> invoiceOrder(StringRedisTemplate redis,
			@org.springframework.beans.factory.annotation.Value("${crash-test.handler-millis}") long handlerMillis,
			@org.springframework.beans.factory.annotation.Value("${crash-test.stream:}") String stream) {
		return (order) -> {
			redis.opsForHash().increment(stream + ":handed", order.orderId(), 1);
			try {
				Thread.sleep(handlerMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			RedisStreamTransaction.current()
				.hincrby("{" + stream + "}:totals", "quantity", order.quantity())
				.hincrby("{" + stream + "}:applied", order.orderId(), 1);
			return "invoice-" + order.orderId();
		};
	}

	@Bean(destroyMethod = "shutdownNow")
	ExecutorService crashTestWorker() {
		return Executors.newSingleThreadExecutor();
	}

	private static void handle(Order order, StringRedisTemplate redis, long handlerMillis, String stream) {
		// recorded before anything else, so that a test can tell which orders reached a handler
		redis.opsForHash().increment(stream + ":handed", order.orderId(), 1);
		if (order.orderId().startsWith(KILLER)) {
			// a message that takes the whole JVM down, as an out-of-memory error or a native crash would
			Runtime.getRuntime().halt(137);
		}
		try {
			// the work of the handler; the kill lands in the middle of one of these
			Thread.sleep(handlerMillis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		redis.opsForHash().increment(stream + ":processed", order.orderId(), 1);
	}

}
