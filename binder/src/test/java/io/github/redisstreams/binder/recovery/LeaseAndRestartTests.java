package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.binding.BindingsLifecycleController.State;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Consumers that are alive keep their entries, however slow; consumers that restart under the same name
 * resume their own pending entries first.
 */
@ExtendWith(RedisExtension.class)
class LeaseAndRestartTests {

	@Test
	void handlerSlowerThanClaimIdleTimeIsNotProcessedTwiceByAnotherConsumer(RedisCommands<String, String> redis, TestKeys keys) {
		String stream = keys.unique("slow");
		String group = "billing";
		String[] args = { "--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=600ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.read-count=5" };
		try (ConfigurableApplicationContext first = OrderTestApp.start(stream, group, with(args, "one"));
				ConfigurableApplicationContext second = OrderTestApp.start(stream, group, with(args, "two"))) {
			OrderHandler one = first.getBean(OrderHandler.class);
			OrderHandler two = second.getBean(OrderHandler.class);
			// each handler takes three claim idle times: without lease renewal the other consumer would
			// claim the entries that wait in the batch, and the one being handled
			one.behave((order) -> pause(1800));
			two.behave((order) -> pause(1800));
			for (int i = 0; i < 4; i++) {
				redis.xadd(stream, "payload", new Order("slow-" + i, 1).toJson());
			}
			await().atMost(Duration.ofSeconds(60))
				.until(() -> one.totalSuccesses() + two.totalSuccesses() == 4 && redis.xpending(stream, group).getCount() == 0);
			for (int i = 0; i < 4; i++) {
				assertThat(one.invocations("slow-" + i) + two.invocations("slow-" + i)).as("deliveries of slow-" + i)
					.isEqualTo(1);
			}
		}
	}

	@Test
	void consumerRestartingUnderTheSameNameResumesItsOwnPendingEntriesAtOnce(RedisCommands<String, String> redis, TestKeys keys) {
		String stream = keys.unique("resume");
		String group = "shipping";
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group,
				io.lettuce.core.XGroupCreateArgs.Builder.mkstream());
		for (int i = 0; i < 3; i++) {
			redis.xadd(stream, "payload", new Order("left-" + i, 1).toJson());
		}
		// a previous run of consumer "stable-0" fetched them and died before acknowledging
		redis.xreadgroup(Consumer.from(group, "stable-0"), XReadArgs.Builder.count(10),
				XReadArgs.StreamOffset.lastConsumed(stream));
		assertThat(redis.xpending(stream, group).getCount()).isEqualTo(3);

		try (ConfigurableApplicationContext restarted = OrderTestApp.start(stream, group,
				"--spring.cloud.stream.redis.binder.instance-id=stable",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=1h")) {
			OrderHandler handler = restarted.getBean(OrderHandler.class);
			// a claim would need an hour of idleness: only resuming its own PEL processes them now
			await().atMost(Duration.ofSeconds(20))
				.until(() -> handler.totalSuccesses() == 3 && redis.xpending(stream, group).getCount() == 0);
			assertThat(List.of("left-0", "left-1", "left-2")).allMatch((id) -> handler.successes(id) == 1);
		}
	}

	@Test
	void stoppingConsumerHandsTheRestOfItsBatchBackForAnotherToClaimAtOnce(RedisCommands<String, String> redis, TestKeys keys) {
		String stream = keys.unique("handback");
		String group = "packing";
		// an hour of idleness before a claim: only entries handed back are claimed within the test
		String[] args = { "--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=1h",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=200ms" };
		try (ConfigurableApplicationContext staying = OrderTestApp.start(stream, group, with(args, "staying"))) {
			OrderHandler stayingHandler = staying.getBean(OrderHandler.class);
			OrderHandler leavingHandler;
			try (ConfigurableApplicationContext leaving = OrderTestApp.start(stream, group, with(args, "leaving"))) {
				leavingHandler = leaving.getBean(OrderHandler.class);
				leavingHandler.behave((order) -> pause(300));
				// the staying instance reads nothing while the leaving one fetches everything
				stayingHandler.behave((order) -> {
				});
				staying.getBean(BindingsLifecycleController.class)
					.changeState("handleOrder-in-0",
							State.PAUSED);
				for (int i = 0; i < 10; i++) {
					redis.xadd(stream, "payload", new Order("box-" + i, 1).toJson());
				}
				await().atMost(Duration.ofSeconds(20)).until(() -> leavingHandler.totalSuccesses() >= 2
						&& redis.xpending(stream, group).getCount() >= 5);
				staying.getBean(BindingsLifecycleController.class)
					.changeState("handleOrder-in-0",
							State.RESUMED);
			}
			await().atMost(Duration.ofSeconds(20))
				.until(() -> leavingHandler.totalSuccesses() + stayingHandler.totalSuccesses() == 10
						&& redis.xpending(stream, group).getCount() == 0);
			for (int i = 0; i < 10; i++) {
				assertThat(leavingHandler.successes("box-" + i) + stayingHandler.successes("box-" + i))
					.as("deliveries of box-" + i)
					.isEqualTo(1);
			}
			assertThat(stayingHandler.totalSuccesses()).isPositive();
		}
	}

	private static String[] with(String[] args, String instanceId) {
		String[] all = java.util.Arrays.copyOf(args, args.length + 1);
		all[args.length] = "--spring.cloud.stream.redis.binder.instance-id=" + instanceId;
		return all;
	}

	private static void pause(long millis) {
		try {
			// simulates a slow handler, it does not wait for an outcome
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
