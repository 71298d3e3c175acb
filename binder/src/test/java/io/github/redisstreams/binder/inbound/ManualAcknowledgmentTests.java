package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.binding.BindingsLifecycleController.State;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.recovery.DeadLetterFields;
import io.github.redisstreams.binder.support.RedisStreamAcknowledgment;
import io.github.redisstreams.binder.test.BatchOrderTestApp;
import io.github.redisstreams.binder.test.ManualAckTestApp;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static io.github.redisstreams.binder.test.ManualAckTestApp.consumer;
import static io.github.redisstreams.binder.test.ManualAckTestApp.redisConsumer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Manual acknowledgement ({@code ack-mode: manual}) against a real Redis: the application settles each entry
 * from its own thread, later; until then the entry stays pending, leased and counted; each handle settles once.
 */
class ManualAcknowledgmentTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final String GROUP = "shipping";

	/** Claims every 100 ms of entries idle for 600 ms: a lease that were not kept would expire at once. */
	private static final String[] FAST_CLAIMS = { redisConsumer("claim-idle-time", "600ms"),
			redisConsumer("claim-interval", "100ms"), redisConsumer("shutdown-timeout", "200ms") };

	@Test
	void anEntryAcknowledgedLaterFromAnotherThreadStaysPendingAndLeasedUntilThen() throws Exception {
		String stream = RedisTestSupport.uniqueName("manual-later");
		try (ConfigurableApplicationContext app = ManualAckTestApp.start(stream, GROUP, FAST_CLAIMS);
				ConfigurableApplicationContext other = ManualAckTestApp.start(stream, GROUP, with(FAST_CLAIMS,
						"--spring.cloud.stream.redis.binder.instance-id=other"))) {
			ManualAckTestApp.Handler first = app.getBean(ManualAckTestApp.Handler.class);
			ManualAckTestApp.Handler second = other.getBean(ManualAckTestApp.Handler.class);
			redis.xadd(stream, "payload", new Order("o-1", 1).toJson());
			await().atMost(Duration.ofSeconds(10)).until(() -> first.totalDeliveries() + second.totalDeliveries() == 1);
			ManualAckTestApp.Handler holder = (first.totalDeliveries() == 1) ? first : second;
			RedisStreamAcknowledgment handle = holder.nextHandle();

			// many claim idle times: the entry stays pending with the consumer that holds it, delivered once
			await().during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(10))
				.until(() -> pending(stream) == 1 && first.totalDeliveries() + second.totalDeliveries() == 1);

			CompletableFuture.runAsync(handle::acknowledge).get();
			await().atMost(Duration.ofSeconds(5)).until(() -> pending(stream) == 0);
			assertThatIllegalStateException().isThrownBy(handle::acknowledge).withMessageContaining("already acknowledged");
			assertThatIllegalStateException().isThrownBy(handle::requeue).withMessageContaining("already acknowledged");
		}
		finally {
			redis.del(stream);
		}
	}

	@Test
	void aRejectedEntryGoesToTheDeadLetterStreamWithItsReason() {
		String stream = RedisTestSupport.uniqueName("manual-reject");
		String dlq = "{" + stream + "}:" + GROUP + ":dlq";
		try (ConfigurableApplicationContext app = ManualAckTestApp.start(stream, GROUP)) {
			ManualAckTestApp.Handler handler = app.getBean(ManualAckTestApp.Handler.class);
			redis.xadd(stream, "payload", new Order("o-1", 1).toJson());
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.totalDeliveries() == 1);
			handler.nextHandle().reject(new IllegalArgumentException("address unknown"));
			await().atMost(Duration.ofSeconds(5)).until(() -> redis.xlen(dlq) == 1 && pending(stream) == 0);
			StreamMessage<String, String> deadLetter = redis.xrange(dlq, Range.create("-", "+")).get(0);
			assertThat(deadLetter.getBody().get(DeadLetterFields.EXCEPTION_MESSAGE)).isEqualTo("address unknown");
			assertThat(deadLetter.getBody().get("payload")).contains("o-1");
		}
		finally {
			redis.del(stream, dlq);
		}
	}

	@Test
	void aRequeuedEntryIsDeliveredAgainAfterClaimIdleTimeAndDeadLetteredAfterMaxDeliveries() {
		String stream = RedisTestSupport.uniqueName("manual-requeue");
		String dlq = "{" + stream + "}:" + GROUP + ":dlq";
		// a list of retryable exceptions that a requeue's own failure is not on: a requeue is delivered again anyway
		String[] args = with(with(FAST_CLAIMS, redisConsumer("max-deliveries", 2)),
				consumer("retryable-exceptions.java.net.ConnectException", true));
		try (ConfigurableApplicationContext app = ManualAckTestApp.start(stream, GROUP, args)) {
			ManualAckTestApp.Handler handler = app.getBean(ManualAckTestApp.Handler.class);
			// every delivery is requeued as soon as the handler returns: it must not loop for ever
			handler.behave((message) -> ManualAckTestApp.Handler.acknowledgment(message).requeue());
			redis.xadd(stream, "payload", new Order("o-1", 1).toJson());
			await().atMost(Duration.ofSeconds(15)).until(() -> redis.xlen(dlq) == 1 && pending(stream) == 0);
			assertThat(handler.deliveries("o-1")).isEqualTo(2);
		}
		finally {
			redis.del(stream, dlq);
		}
	}

	@Test
	void anEntryNotSettledWithinAckTimeoutIsTakenBackAndDeliveredAgain() {
		String stream = RedisTestSupport.uniqueName("manual-timeout");
		try (ConfigurableApplicationContext app = ManualAckTestApp.start(stream, GROUP,
				with(FAST_CLAIMS, redisConsumer("ack-timeout", "300ms")))) {
			ManualAckTestApp.Handler handler = app.getBean(ManualAckTestApp.Handler.class);
			redis.xadd(stream, "payload", new Order("o-1", 1).toJson());
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.totalDeliveries() == 1);
			RedisStreamAcknowledgment lost = handler.nextHandle();
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.deliveries("o-1") == 2);
			assertThatIllegalStateException().isThrownBy(lost::acknowledge).withMessageContaining("ack-timeout");
			handler.nextHandle().acknowledge();
			await().atMost(Duration.ofSeconds(5)).until(() -> pending(stream) == 0);
		}
		finally {
			redis.del(stream);
		}
	}

	@Test
	void noMoreThanMaxUnacknowledgedEntriesWaitForTheApplication() {
		String stream = RedisTestSupport.uniqueName("manual-bound");
		try (ConfigurableApplicationContext app = ManualAckTestApp.start(stream, GROUP,
				redisConsumer("max-unacknowledged", 2))) {
			ManualAckTestApp.Handler handler = app.getBean(ManualAckTestApp.Handler.class);
			for (int i = 0; i < 5; i++) {
				redis.xadd(stream, "payload", new Order("o-" + i, 1).toJson());
			}
			await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(10))
				.until(() -> handler.totalDeliveries() == 2);
			handler.nextHandle().acknowledge();
			await().atMost(Duration.ofSeconds(5)).until(() -> handler.totalDeliveries() == 3);
			for (RedisStreamAcknowledgment handle = handler.nextHandle(); handle != null; handle = handler.nextHandle()) {
				handle.acknowledge();
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				RedisStreamAcknowledgment handle = handler.nextHandle();
				if (handle != null) {
					handle.acknowledge();
				}
				return handler.totalDeliveries() == 5 && pending(stream) == 0;
			});
		}
		finally {
			redis.del(stream);
		}
	}

	@Test
	void aStoppingBindingHandsUnacknowledgedEntriesBackAndTheirHandlesThenRefuse() {
		String stream = RedisTestSupport.uniqueName("manual-stop");
		try (ConfigurableApplicationContext app = ManualAckTestApp.start(stream, GROUP, FAST_CLAIMS)) {
			ManualAckTestApp.Handler handler = app.getBean(ManualAckTestApp.Handler.class);
			redis.xadd(stream, "payload", new Order("o-1", 1).toJson());
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.totalDeliveries() == 1);
			RedisStreamAcknowledgment handle = handler.nextHandle();
			app.getBean(BindingsLifecycleController.class).changeState(ManualAckTestApp.BINDING, State.STOPPED);

			// handed back: at once idle enough for any consumer's next claim, still counted as delivered once
			await().atMost(Duration.ofSeconds(5)).until(() -> {
				List<PendingMessage> pending = redis.xpending(stream, GROUP, Range.create("-", "+"), io.lettuce.core.Limit.from(10));
				return pending.size() == 1 && pending.get(0).getMsSinceLastDelivery() >= 600;
			});
			assertThatIllegalStateException().isThrownBy(handle::acknowledge).withMessageContaining("handed it back");

			app.getBean(BindingsLifecycleController.class).changeState(ManualAckTestApp.BINDING, State.STARTED);
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.deliveries("o-1") == 2);
			handler.nextHandle().acknowledge();
			await().atMost(Duration.ofSeconds(5)).until(() -> pending(stream) == 0);
		}
		finally {
			redis.del(stream);
		}
	}

	@Test
	void anAcknowledgementAskedForByAHandlerThatThenThrowsIsVoid() {
		String stream = RedisTestSupport.uniqueName("manual-throw");
		try (ConfigurableApplicationContext app = ManualAckTestApp.start(stream, GROUP,
				with(FAST_CLAIMS, consumer("max-attempts", 1)))) {
			ManualAckTestApp.Handler handler = app.getBean(ManualAckTestApp.Handler.class);
			handler.behave((message) -> {
				if (handler.deliveries(message.getPayload().orderId()) == 1) {
					ManualAckTestApp.Handler.acknowledgment(message).acknowledge();
					throw new IllegalStateException("failed after acknowledging");
				}
				ManualAckTestApp.Handler.acknowledgment(message).acknowledge();
			});
			redis.xadd(stream, "payload", new Order("o-1", 1).toJson());
			// the failure wins: delivered again after claim-idle-time, then acknowledged
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.deliveries("o-1") == 2 && pending(stream) == 0);
		}
		finally {
			redis.del(stream);
		}
	}

	@Test
	void manualAcknowledgementWithBatchModeFailsAtStartupNamingBothProperties() {
		String stream = RedisTestSupport.uniqueName("manual-batch");
		assertThatThrownBy(() -> BatchOrderTestApp.start(stream, GROUP,
				BatchOrderTestApp.redisConsumer("ack-mode", "manual")).close())
			.hasStackTraceContaining("ack-mode")
			.hasStackTraceContaining("batch-mode");
		redis.del(stream);
	}

	private static long pending(String stream) {
		try {
			return redis.xpending(stream, GROUP).getCount();
		}
		catch (io.lettuce.core.RedisCommandExecutionException ex) {
			return -1;
		}
	}

	private static String[] with(String[] args, String extra) {
		String[] all = java.util.Arrays.copyOf(args, args.length + 1);
		all[args.length] = extra;
		return all;
	}

}
