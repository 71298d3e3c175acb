package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.binder.PollableMessageSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.messaging.Message;

import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PollableSourceTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final ParameterizedTypeReference<Order> ORDER = new ParameterizedTypeReference<>() {
	};

	@Test
	void pollReceivesAcknowledges() {
		String stream = RedisTestSupport.uniqueName("polled");
		for (int i = 0; i < 3; i++) {
			redis.xadd(stream, "payload", new Order("o-" + i, 1).toJson());
		}
		try (ConfigurableApplicationContext app = start(stream, "billing", "poller-a")) {
			PollableMessageSource source = app.getBean(PollableMessageSource.class);
			List<Message<?>> received = new CopyOnWriteArrayList<>();
			assertThat(source.poll(received::add, ORDER)).isTrue();
			System.out.println(received);
			System.out.println(redis.xpending(stream, "billing"));
			assertThat(source.poll(received::add, ORDER)).isTrue();
			assertThat(source.poll(received::add, ORDER)).isTrue();
			assertThat(source.poll(received::add, ORDER)).isFalse();
			await().atMost(Duration.ofSeconds(10)).until(() -> redis.xpending(stream, "billing").getCount() == 0);
			assertThat(received.stream().map((m) -> (Object) m.getPayload()).toList()).containsExactly(new Order("o-0", 1), new Order("o-1", 1), new Order("o-2", 1));
			assertThat(received.get(0).getHeaders()).containsEntry(RedisStreamHeaders.STREAM, stream);
		}
		redis.del(stream);
	}

	static ConfigurableApplicationContext start(String stream, String group, String instanceId, String... extraArgs) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.stream.pollable-source=orders",
				"--spring.cloud.stream.bindings.orders-in-0.destination=" + stream,
				"--spring.cloud.stream.bindings.orders-in-0.group=" + group,
				"--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
				"--spring.cloud.stream.bindings.orders-in-0.consumer.back-off-initial-interval=10",
				"--spring.cloud.stream.bindings.orders-in-0.consumer.back-off-max-interval=20",
				"--spring.main.banner-mode=off"));
		args.addAll(Arrays.asList(extraArgs));
		return new SpringApplicationBuilder(PollingApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class PollingApp {

	}

}
