package io.github.redisstreams.checker.apps;

import java.util.function.Consumer;
import java.util.function.Function;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The checker's processor application: the function {@code process} consumes stream {@code in} (group
 * {@code g}) and returns each message to stream {@code out}; the consumer {@code record}, in the same
 * application, consumes {@code out} (group {@code g}) and records the effect. A message is processed
 * only once its output went through {@code out}: an input acknowledged before its output was stored
 * shows as a lost message.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ProcessorApp {

	public static void main(String[] args) {
		Effects.run(ProcessorApp.class, args);
	}

	@Bean
	Function<CheckerMessage, CheckerMessage> process(StringRedisTemplate redis,
			@Value("${checker.slow-millis:3000}") long slowMillis) {
		return (message) -> {
			Effects.enter(redis, Effects.HANDED, message, slowMillis);
			return message;
		};
	}

	@Bean
	Consumer<CheckerMessage> record(StringRedisTemplate redis) {
		return (message) -> {
			redis.opsForHash().increment(Effects.HANDED_OUT, message.id(), 1);
			Effects.apply(redis, message);
		};
	}

}
