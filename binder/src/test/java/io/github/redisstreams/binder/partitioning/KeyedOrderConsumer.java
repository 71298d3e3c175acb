package io.github.redisstreams.binder.partitioning;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.Message;

/**
 * A consumer application run in its own JVM by {@link PartitionRebalanceJvmTests}, so that the test can kill it
 * with SIGKILL or stop it with SIGTERM. Each entry's payload is {@code <key>:<sequence>}; the handler appends
 * {@code <sequence>@<instance-id>} to the Redis list {@code <destination>:seen:<key>}, so that the test reads, per
 * key, every delivery to a handler in the order the handlers ran, and which instance ran it.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class KeyedOrderConsumer {

	public static void main(String[] args) {
		new SpringApplicationBuilder(KeyedOrderConsumer.class).web(WebApplicationType.NONE).run(args);
	}

	@Bean
	Consumer<Message<byte[]>> recordOrder(StringRedisTemplate redis,
			@Value("${spring.cloud.stream.bindings.recordOrder-in-0.destination}") String destination,
			@Value("${spring.cloud.stream.redis.binder.instance-id}") String instanceId,
			@Value("${keyed-order.handler-millis:2}") long handlerMillis) {
		return (message) -> {
			String[] keyAndSequence = new String(message.getPayload(), StandardCharsets.UTF_8).split(":");
			try {
				// the work of the handler; a kill lands in the middle of one of these
				Thread.sleep(handlerMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			redis.opsForList().rightPush(destination + ":seen:" + keyAndSequence[0], keyAndSequence[1] + "@" + instanceId);
		};
	}

}
