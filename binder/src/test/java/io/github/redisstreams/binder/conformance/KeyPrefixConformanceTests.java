package io.github.redisstreams.binder.conformance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;

import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisBinderHarness.BoundChannel;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder's {@code key-prefix} maps every destination to a prefixed stream key, for producers and
 * consumers alike.
 */
class KeyPrefixConformanceTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final String KEY_PREFIX = RedisTestSupport.uniqueName("conformance-shop") + ":";

	private static RedisBinderHarness harness;

	private static StreamInspector redis;

	@BeforeAll
	static void startApplication() {
		redis = StreamInspector.connect();
		harness = RedisBinderHarness.start("--spring.cloud.stream.redis.binder.key-prefix=" + KEY_PREFIX);
	}

	@AfterAll
	static void stopApplication() {
		try {
			if (harness != null) {
				harness.close();
			}
		}
		finally {
			redis.deleteKeysContaining(KEY_PREFIX);
			redis.close();
		}
	}

	@Test
	void destinationMapsToThePrefixedStream() {
		String destination = RedisTestSupport.uniqueName("orders");
		String stream = KEY_PREFIX + destination;
		BoundChannel output = harness.bindProducer(destination, harness.producerProperties(destination + "-out"));
		List<Message<?>> received = new CopyOnWriteArrayList<>();
		BoundChannel input = harness.bindConsumer(destination, "order-service",
				harness.consumerProperties(destination + "-in"));
		input.channel().subscribe(received::add);

		output.channel().send(MessageBuilder.withPayload("order-1".getBytes(StandardCharsets.UTF_8)).build());

		try {
			await().atMost(TIMEOUT).until(() -> received.size() == 1);
			assertThat(redis.length(stream)).isEqualTo(1);
			assertThat(redis.exists(destination)).isFalse();
			assertThat(redis.groups(stream)).containsOnlyKeys("order-service");
			assertThat(received.get(0).getHeaders()).containsEntry(RedisStreamHeaders.STREAM, stream);
			assertThat(new String((byte[]) received.get(0).getPayload(), StandardCharsets.UTF_8)).isEqualTo("order-1");
		}
		finally {
			// written only if the prefix were ignored, but then it must not outlive the test
			redis.redis().del(destination);
		}
	}

}
