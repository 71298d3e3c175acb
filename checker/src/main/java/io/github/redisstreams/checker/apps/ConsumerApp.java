package io.github.redisstreams.checker.apps;

import java.util.function.Consumer;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The checker's consumer application: {@code handle} consumes stream {@code in} (group {@code g}),
 * records that its handler was entered and then the effect of each message (see {@link Effects}).
 * Started by the checker as a separate JVM, with the binding settings on the command line.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ConsumerApp {

	public static void main(String[] args) {
		Effects.run(ConsumerApp.class, args);
	}

	@Bean
	Consumer<CheckerMessage> handle(StringRedisTemplate redis, @Value("${checker.slow-millis:3000}") long slowMillis) {
		return (message) -> {
			Effects.enter(redis, Effects.HANDED, message, slowMillis);
			Effects.apply(redis, message);
		};
	}

}
