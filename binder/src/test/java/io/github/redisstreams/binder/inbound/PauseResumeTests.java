package io.github.redisstreams.binder.inbound;

import java.time.Duration;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.binding.BindingsLifecycleController.State;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.awaitility.Awaitility.await;

/**
 * A paused binding reads nothing new until it is resumed.
 */
class PauseResumeTests {

	@Test
	void pausedBindingReadsNothingUntilResumed() {
		String stream = RedisTestSupport.uniqueName("paused");
		RedisCommands<String, String> redis = RedisTestSupport.commands();
		try (ConfigurableApplicationContext context = OrderTestApp.start(stream, "pausing")) {
			OrderHandler handler = context.getBean(OrderHandler.class);
			BindingsLifecycleController bindings = context.getBean(BindingsLifecycleController.class);
			bindings.changeState("handleOrder-in-0", State.PAUSED);
			// a read under way when the pause was asked for completes first
			RedisStreamBindingRegistry registry = context.getBean(RedisStreamBindingRegistry.class);
			await().atMost(Duration.ofSeconds(5))
				.until(() -> registry.consumers().stream().allMatch(ConsumerBindingView::isPaused));

			redis.xadd(stream, "payload", new Order("held", 1).toJson());
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> handler.totalSuccesses() == 0);

			bindings.changeState("handleOrder-in-0", State.RESUMED);
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.successes("held") == 1);
		}
		finally {
			redis.del(stream);
		}
	}

}
