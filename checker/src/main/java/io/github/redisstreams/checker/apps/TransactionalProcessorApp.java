package io.github.redisstreams.checker.apps;

import java.util.function.Function;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.redisstreams.binder.support.RedisStreamTransaction;

/**
 * The checker's transactional processor: the function {@code process} consumes stream {@code in} (group
 * {@code g}) on a binding with {@code transactional: true} and returns each message to the stream
 * {@value #OUT}; through the same atomic step ({@link RedisStreamTransaction}) it counts the message in the hash
 * {@value #APPLIED} ({@code HINCRBY <id> 1}) and adds its amount to the total {@value #TOTAL} ({@code INCRBY}).
 * The binder applies the output, the two writes and the input's acknowledgement together, or none of them: every
 * input must end with exactly one output, an applied-count of exactly 1 and its amount counted once in the total,
 * however often its handler ran.
 * <p>
 * Whether the handler was entered is recorded outside the step, directly ({@link Effects#HANDED}, one increment per
 * handler run): it shows how often entries were handled again. The writes are staged before the message's kind
 * acts, so that a {@code poison-fail} message, which throws after staging, checks that a failed attempt has nothing
 * applied. Each message then takes {@code checker.handler-millis} (0 by default), the handler's own work: a kill in
 * that time leaves the entry handled with its step not applied, to be handled again. Every key is in the slot of
 * {@code in} (hash tag {@code {in}}), as a Redis Cluster requires.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class TransactionalProcessorApp {

	/** The output stream. */
	public static final String OUT = "{in}:out";

	/** Applied-count by business id, written in the atomic step. */
	public static final String APPLIED = "{in}:applied";

	/** The sum of the amounts applied, written in the atomic step. */
	public static final String TOTAL = "{in}:total";

	public static void main(String[] args) {
		Effects.run(TransactionalProcessorApp.class, args);
	}

	@Bean
	Function<CheckerMessage, CheckerMessage> process(StringRedisTemplate redis,
			@Value("${checker.slow-millis:3000}") long slowMillis, @Value("${checker.handler-millis:0}") long handlerMillis) {
		return (message) -> {
			if (message.amount() == null) {
				throw new IllegalArgumentException("message " + message.id() + " has no amount");
			}
			RedisStreamTransaction.current()
				.hincrby(APPLIED, message.id(), 1)
				.incrby(TOTAL, message.amount());
			Effects.enter(redis, Effects.HANDED, message, slowMillis);
			if (handlerMillis > 0) {
				pause(message, handlerMillis);
			}
			return message;
		};
	}

	/** The handler's own work, during which a kill leaves the entry handled but its step not applied. */
	private static void pause(CheckerMessage message, long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while handling " + message.id(), ex);
		}
	}

}
