package io.github.redisstreams.binder.inbound;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;

import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A read whose reply is lost (a command timeout, a blocking read cancelled by a failover) after Redis delivered its
 * entries to the consumer: they are the consumer's, pending, though no handler got them. The attack: a consumer
 * that went on with new entries would leave them until claim-idle-time, behind newer ones.
 */
@ExtendWith(RedisExtension.class)
class OwnPendingAfterFailedReadTests {

	@Test
	void entriesOfALostReadReplyAreDeliveredBeforeNewerOnesWithoutWaitingForClaimIdleTime(StreamInspector redis,
			TestKeys keys) {
		String stream = keys.unique("lost-reply");
		String aside = stream + "-aside";
		List<String> handled = new CopyOnWriteArrayList<>();
		try (RedisBinderHarness harness = RedisBinderHarness.start("--spring.cloud.stream.redis.binder.instance-id=l")) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = harness.consumerProperties("lost-in");
			properties.setMaxAttempts(1);
			properties.getExtension().setClaimIdleTime(Duration.ofSeconds(60));
			properties.getExtension().setBlockTimeout(Duration.ofMillis(100));
			harness.bindConsumer(stream, "g", properties)
				.channel()
				.subscribe((message) -> handled.add(new String((byte[]) message.getPayload(), StandardCharsets.UTF_8)));
			ConsumerBindingView binding = harness.bindingRegistry().consumers().get(0);
			String consumer = binding.consumerNames().get(0);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> redis.redis().xinfoConsumers(stream, "g").size() == 1 && binding.liveConsumers() == 1);

			// the consumer's reads fail for a while (the stream, its group and its pending entries kept aside)
			redis.redis().rename(stream, aside);
			redis.redis().set(stream, "not a stream");
			await().atMost(Duration.ofSeconds(10)).until(() -> binding.consumersInOutage() == 1);
			// meanwhile a read of the consumer's reached Redis, and its reply was lost
			redis.redis().xadd(aside, "payload", "lost");
			assertThat(redis.redis().xreadgroup(Consumer.from("g", consumer), XReadArgs.Builder.count(1),
					XReadArgs.StreamOffset.lastConsumed(aside))).hasSize(1);
			redis.redis().rename(aside, stream);
			redis.redis().xadd(stream, "payload", "newer");

			await().atMost(Duration.ofSeconds(15)).until(() -> handled.size() >= 2);
			assertThat(handled).containsExactly("lost", "newer");
		}
	}

}
