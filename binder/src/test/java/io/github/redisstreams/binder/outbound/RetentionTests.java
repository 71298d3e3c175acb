package io.github.redisstreams.binder.outbound;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Producer retention: safe mode never trims what a group has not read or still has pending; capped mode
 * trims as asked.
 */
class RetentionTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	@Test
	void safeModeKeepsEverythingASlowGroupHasNotReadOrAcknowledged() {
		String stream = RedisTestSupport.uniqueName("retained");
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "slow", XGroupCreateArgs.Builder.mkstream());
		try (ConfigurableApplicationContext producer = startProducer(stream,
				"--spring.cloud.stream.redis.bindings.out.producer.max-len=10",
				"--spring.cloud.stream.redis.bindings.out.producer.trim-interval=100ms")) {
			StreamBridge bridge = producer.getBean(StreamBridge.class);
			for (int i = 0; i < 100; i++) {
				bridge.send("out", "m-" + i);
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> redis.xlen(stream) == 100);

			// the group reads 60, acknowledges the first 50: entries from the 51st on are still needed
			List<StreamMessage<String, String>> read = redis.xreadgroup(Consumer.from("slow", "c"),
					XReadArgs.Builder.count(60), XReadArgs.StreamOffset.lastConsumed(stream));
			redis.xack(stream, "slow", read.subList(0, 50).stream().map(StreamMessage::getId).toArray(String[]::new));
			String oldestNeeded = read.get(50).getId();

			await().atMost(Duration.ofSeconds(10)).until(() -> redis.xlen(stream) == 50);
			// and it stays there: the trim runs every 100 ms but never goes past the oldest pending entry
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> redis.xlen(stream) == 50);
			assertThat(firstId(stream)).isEqualTo(oldestNeeded);

			// once the group has acknowledged everything, the stream comes down to max-len
			List<StreamMessage<String, String>> rest = redis.xreadgroup(Consumer.from("slow", "c"),
					XReadArgs.Builder.count(100), XReadArgs.StreamOffset.lastConsumed(stream));
			redis.xack(stream, "slow", read.subList(50, 60).stream().map(StreamMessage::getId).toArray(String[]::new));
			redis.xack(stream, "slow", rest.stream().map(StreamMessage::getId).toArray(String[]::new));
			await().atMost(Duration.ofSeconds(10)).until(() -> redis.xlen(stream) == 10);
		}
		redis.del(stream);
	}

	@Test
	void safeModeWithoutGroupsTrimsToMaxLen() {
		String stream = RedisTestSupport.uniqueName("nogroups");
		try (ConfigurableApplicationContext producer = startProducer(stream,
				"--spring.cloud.stream.redis.bindings.out.producer.max-len=20",
				"--spring.cloud.stream.redis.bindings.out.producer.trim-interval=100ms")) {
			StreamBridge bridge = producer.getBean(StreamBridge.class);
			for (int i = 0; i < 2500; i++) {
				bridge.send("out", "m-" + i);
			}
			// more than one trim step (1000 entries) of work, done in steps
			await().atMost(Duration.ofSeconds(15)).until(() -> redis.xlen(stream) == 20);
		}
		redis.del(stream);
	}

	@Test
	void cappedModeTrimsAsAskedEvenWhatAGroupHasNotRead() {
		String stream = RedisTestSupport.uniqueName("capped");
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "slow", XGroupCreateArgs.Builder.mkstream());
		try (ConfigurableApplicationContext producer = startProducer(stream,
				"--spring.cloud.stream.redis.bindings.out.producer.max-len=100",
				"--spring.cloud.stream.redis.bindings.out.producer.retention-mode=capped",
				"--spring.cloud.stream.redis.bindings.out.producer.sync=true")) {
			StreamBridge bridge = producer.getBean(StreamBridge.class);
			for (int i = 0; i < 1000; i++) {
				bridge.send("out", "m-" + i);
			}
			// MAXLEN ~ trims whole radix tree nodes (100 entries each by default), so it may keep a node more
			assertThat(redis.xlen(stream)).isBetween(100L, 200L);
		}
		redis.del(stream);
	}

	@Test
	void ageLimitRemovesOldEntriesButNotUnreadOnes() {
		String stream = RedisTestSupport.uniqueName("aged");
		long old = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "reader", XGroupCreateArgs.Builder.mkstream());
		// two old entries: the group has read the first only
		redis.xadd(stream, new io.lettuce.core.XAddArgs().id(old + "-0"), "payload", "old-read");
		redis.xadd(stream, new io.lettuce.core.XAddArgs().id(old + "-1"), "payload", "old-unread");
		List<StreamMessage<String, String>> read = redis.xreadgroup(Consumer.from("reader", "c"),
				XReadArgs.Builder.count(1), XReadArgs.StreamOffset.lastConsumed(stream));
		redis.xack(stream, "reader", read.get(0).getId());
		try (ConfigurableApplicationContext producer = startProducer(stream,
				"--spring.cloud.stream.redis.bindings.out.producer.max-age=1h",
				"--spring.cloud.stream.redis.bindings.out.producer.trim-interval=100ms")) {
			producer.getBean(StreamBridge.class).send("out", "fresh");
			await().atMost(Duration.ofSeconds(10)).until(() -> redis.xlen(stream) == 2);
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> redis.xlen(stream) == 2);
			assertThat(firstId(stream)).isEqualTo(old + "-1");
		}
		redis.del(stream);
	}

	private static String firstId(String stream) {
		return redis.xrange(stream, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1)).get(0).getId();
	}

	private static ConfigurableApplicationContext startProducer(String stream, String... args) {
		String[] all = new String[args.length + 4];
		all[0] = "--spring.data.redis.url=" + RedisTestSupport.redisUrl();
		all[1] = "--spring.cloud.stream.bindings.out.destination=" + stream;
		all[2] = "--spring.cloud.stream.output-bindings=out";
		all[3] = "--spring.cloud.function.definition=";
		System.arraycopy(args, 0, all, 4, args.length);
		return new SpringApplicationBuilder(ProducerApp.class).web(WebApplicationType.NONE).run(all);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ProducerApp {

	}

}
