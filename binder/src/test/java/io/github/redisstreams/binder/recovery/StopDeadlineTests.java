package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A handler still running when its binding's stop gives up waiting for it (shutdown-timeout). The attack:
 * the binding stops renewing the entry's lease, so another consumer takes it over after claim-idle-time, and
 * the binding started again under the same consumer name resumes it as its own pending entry: the same entry
 * would run twice at once. Required: the lease is kept while the handler runs, the restarted binding waits
 * for it, and the entry is processed exactly once.
 */
class StopDeadlineTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final String BINDING = "handleOrder-in-0";

	/** Claims every 100 ms of entries idle for 600 ms; a stop waits 200 ms for a handler. */
	private static final String[] COMMON = {
			"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=600ms",
			"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms",
			"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.shutdown-timeout=200ms" };

	@Test
	void handlerOutlivingTheStopKeepsItsEntryUntilItReturns() throws Exception {
		String stream = RedisTestSupport.uniqueName("outlive");
		String group = "invoicing";
		String[] common = COMMON;
		try (ConfigurableApplicationContext slow = OrderTestApp.start(stream, group, plus(common, instanceId("slow")));
				ConfigurableApplicationContext other = OrderTestApp.start(stream, group, plus(common, instanceId("other")))) {
			OrderHandler slowHandler = slow.getBean(OrderHandler.class);
			OrderHandler otherHandler = other.getBean(OrderHandler.class);
			BindingsLifecycleController slowBindings = slow.getBean(BindingsLifecycleController.class);
			BindingsLifecycleController otherBindings = other.getBean(BindingsLifecycleController.class);
			CountDownLatch inHandler = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			// the slow work, ended by the test once it has checked the entry was not run twice
			holdUntilReleased(slowHandler, inHandler, release);
			// only the slow instance reads the entry
			pauseUntilStopped(other);
			redis.xadd(stream, "payload", new Order("long-job", 1).toJson());
			assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();
			otherBindings.changeState(BINDING, State.RESUMED);

			// the stop gives up after 200 ms; the handler goes on
			slowBindings.changeState(BINDING, State.STOPPED);
			// started again under the same consumer name while the handler still runs
			slowBindings.changeState(BINDING, State.STARTED);

			// many claim idle times pass: neither the other instance nor the restarted binding takes the entry
			await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10))
				.until(() -> otherHandler.invocations("long-job") == 0 && slowHandler.invocations("long-job") == 1);
			assertThat(redis.xpending(stream, group).getCount()).isEqualTo(1);

			release.countDown();
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xpending(stream, group).getCount() == 0);
			assertThat(slowHandler.invocations("long-job") + otherHandler.invocations("long-job")).isEqualTo(1);
			assertThat(slowHandler.successes("long-job")).isEqualTo(1);
		}
		redis.del(stream);
	}

	/**
	 * The attack: a handler hangs after the stop; the entries fetched behind it in its batch stay leased by
	 * the stopped binding for as long as it hangs, and nobody processes them.
	 */
	@Test
	void entriesBehindAHandlerOutlivingTheStopAreHandedBackAtOnce() throws Exception {
		String stream = RedisTestSupport.uniqueName("behind");
		String group = "invoicing";
		String[] common = plus(COMMON, "--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.read-count=10");
		try (ConfigurableApplicationContext slow = OrderTestApp.start(stream, group, plus(common, instanceId("hung")));
				ConfigurableApplicationContext other = OrderTestApp.start(stream, group, plus(common, instanceId("helper")))) {
			OrderHandler slowHandler = slow.getBean(OrderHandler.class);
			OrderHandler otherHandler = other.getBean(OrderHandler.class);
			BindingsLifecycleController otherBindings = other.getBean(BindingsLifecycleController.class);
			CountDownLatch inHandler = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			holdUntilReleased(slowHandler, inHandler, release);
			pauseUntilStopped(other);
			for (int i = 0; i < 5; i++) {
				redis.xadd(stream, "payload", new Order("job-" + i, 1).toJson());
			}
			assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();
			otherBindings.changeState(BINDING, State.RESUMED);

			slow.getBean(BindingsLifecycleController.class).changeState(BINDING, State.STOPPED);

			// the four behind the hung one are processed by the other instance while it still hangs
			await().atMost(Duration.ofSeconds(20))
				.until(() -> otherHandler.totalSuccesses() == 4 && redis.xpending(stream, group).getCount() == 1);
			assertThat(otherHandler.invocations("job-0")).isZero();
			release.countDown();
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xpending(stream, group).getCount() == 0);
			for (int i = 0; i < 5; i++) {
				assertThat(slowHandler.invocations("job-" + i) + otherHandler.invocations("job-" + i))
					.as("deliveries of job-" + i)
					.isEqualTo(1);
			}
		}
		redis.del(stream);
	}

	private static String[] plus(String[] args, String extra) {
		String[] all = java.util.Arrays.copyOf(args, args.length + 1);
		all[args.length] = extra;
		return all;
	}

	private static String instanceId(String id) {
		return "--spring.cloud.stream.redis.binder.instance-id=" + id;
	}

	/** The handler signals when it has an entry, then holds it until the test releases it. */
	private static void holdUntilReleased(OrderHandler handler, CountDownLatch inHandler, CountDownLatch release) {
		handler.behave((order) -> {
			inHandler.countDown();
			try {
				release.await(60, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
	}

	/**
	 * Pauses the binding and waits until its consumers read no more: a read under way still returns what
	 * arrives. Spring Cloud Stream's own binding reports paused as soon as the pause is asked for, so the wait
	 * asks the binder's view of the binding.
	 */
	private static void pauseUntilStopped(ConfigurableApplicationContext app) {
		app.getBean(BindingsLifecycleController.class).changeState(BINDING, State.PAUSED);
		RedisStreamBindingRegistry registry = app.getBean(RedisStreamBindingRegistry.class);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> !registry.consumers().isEmpty()
					&& registry.consumers().stream().allMatch(ConsumerBindingView::isPaused));
	}

}
