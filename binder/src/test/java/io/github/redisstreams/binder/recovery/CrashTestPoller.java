package io.github.redisstreams.binder.recovery;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.binder.PollableMessageSource;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.MessageHandler;

import io.github.redisstreams.binder.test.Order;

/**
 * An application that polls a pollable source ({@code orders}, binding {@code orders-in-0}) in a loop, run in a
 * separate JVM by {@link PollerCrashTests} so that the test can kill it with SIGKILL in the middle of its work.
 * Each order it completes is counted in the Redis hash {@code <stream>:processed} (field = order id).
 * <p>
 * Arguments: Spring Boot {@code --name=value} arguments, plus {@code --crash-test.handler-millis}: how long
 * handling one order takes.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class CrashTestPoller {

	public static void main(String[] args) {
		new SpringApplicationBuilder(CrashTestPoller.class).web(WebApplicationType.NONE).run(args);
	}

	@Bean
	Poller poller(PollableMessageSource orders, StringRedisTemplate redis,
			@Value("${crash-test.handler-millis}") long handlerMillis,
			@Value("${spring.cloud.stream.bindings.orders-in-0.destination}") String stream) {
		MessageHandler handler = (message) -> {
			Order order = (Order) message.getPayload();
			try {
				// the work of the handler; the kill lands in the middle of one of these
				Thread.sleep(handlerMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			redis.opsForHash().increment(stream + ":processed", order.orderId(), 1);
		};
		return new Poller(orders, handler);
	}

	/**
	 * Polls on a thread of its own from the start of the application to its close.
	 */
	static final class Poller implements SmartLifecycle {

		private static final ParameterizedTypeReference<Order> ORDER = new ParameterizedTypeReference<>() {
		};

		private final PollableMessageSource source;

		private final MessageHandler handler;

		private volatile Thread thread;

		Poller(PollableMessageSource source, MessageHandler handler) {
			this.source = source;
			this.handler = handler;
		}

		@Override
		public void start() {
			Thread polling = new Thread(this::pollUntilStopped, "poller");
			this.thread = polling;
			polling.start();
		}

		private void pollUntilStopped() {
			while (this.thread == Thread.currentThread()) {
				try {
					if (!this.source.poll(this.handler, ORDER)) {
						Thread.sleep(20);
					}
				}
				catch (InterruptedException ex) {
					return;
				}
				catch (RuntimeException ex) {
					// a failed poll: the binder settles the message; poll on
				}
			}
		}

		@Override
		public void stop() {
			Thread polling = this.thread;
			this.thread = null;
			if (polling != null) {
				try {
					polling.join(10_000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}

		@Override
		public boolean isRunning() {
			return this.thread != null;
		}

	}

}
