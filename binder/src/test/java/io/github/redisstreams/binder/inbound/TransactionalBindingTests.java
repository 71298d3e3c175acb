package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.Range;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.support.RedisStreamTransaction;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.TransactionalTestApp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Transactional bindings ({@code transactional: true}) against a real Redis: a processor's output and its own
 * writes are applied with the input's acknowledgement in one fenced step, all or nothing.
 */
class TransactionalBindingTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final String GROUP = "billing";

	private static final String REDIS_CONSUMER = "--spring.cloud.stream.redis.bindings.invoice-in-0.consumer.";

	@Test
	void outputsAndTheHandlersWritesAreAppliedOnceWithTheAcknowledgement() {
		Keys keys = new Keys("tx-ok");
		try (ConfigurableApplicationContext app = TransactionalTestApp.start(keys.input, keys.output, keys.totals)) {
			for (int i = 1; i <= 5; i++) {
				redis.xadd(keys.input, "payload", new Order("o-" + i, i).toJson());
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(keys.output) == 5 && pending(keys.input) == 0);
			assertThat(redis.hget(keys.totals, "quantity")).isEqualTo("15");
			assertThat(redis.xrange(keys.output, Range.create("-", "+"))).extracting((entry) -> entry.getBody().get("payload"))
				.containsExactly("invoice-o-1", "invoice-o-2", "invoice-o-3", "invoice-o-4", "invoice-o-5");
		}
		finally {
			keys.delete();
		}
	}

	@Test
	void whatAFailedAttemptStagedIsDiscarded() {
		Keys keys = new Keys("tx-retry");
		try (ConfigurableApplicationContext app = TransactionalTestApp.start(keys.input, keys.output, keys.totals,
				"--spring.cloud.stream.bindings.invoice-in-0.consumer.max-attempts=3")) {
			AtomicBoolean failed = new AtomicBoolean();
			app.getBean(TransactionalTestApp.Behaviour.class).after((order) -> {
				// fails after staging its writes, once
				if (failed.compareAndSet(false, true)) {
					throw new IllegalStateException("failed after staging");
				}
			});
			redis.xadd(keys.input, "payload", new Order("o-1", 7).toJson());
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(keys.output) == 1 && pending(keys.input) == 0);
			assertThat(redis.hget(keys.totals, "quantity")).isEqualTo("7");
			assertThat(app.getBean(TransactionalTestApp.Behaviour.class).calls()).isEqualTo(2);
		}
		finally {
			keys.delete();
		}
	}

	@Test
	void aStepWhoseEntryWasTakenOverMeanwhileIsDiscarded() throws Exception {
		Keys keys = new Keys("tx-fence");
		try (ConfigurableApplicationContext app = TransactionalTestApp.start(keys.input, keys.output, keys.totals)) {
			TransactionalTestApp.Behaviour behaviour = app.getBean(TransactionalTestApp.Behaviour.class);
			CountDownLatch inHandler = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			behaviour.after((order) -> {
				inHandler.countDown();
				try {
					release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			String id = redis.xadd(keys.input, "payload", new Order("o-1", 3).toJson());
			assertThat(inHandler.await(20, TimeUnit.SECONDS)).isTrue();
			// another consumer takes the entry over while the handler runs (as after a lost lease)
			redis.xclaim(keys.input, io.lettuce.core.Consumer.from(GROUP, "thief"), XClaimArgs.Builder.minIdleTime(0), id);
			release.countDown();

			await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(10))
				.until(() -> redis.exists(keys.output, keys.totals) == 0);
			List<io.lettuce.core.models.stream.PendingMessage> pending = redis.xpending(keys.input, GROUP,
					Range.create("-", "+"), io.lettuce.core.Limit.from(10));
			assertThat(pending).singleElement().satisfies((entry) -> assertThat(entry.getConsumer()).isEqualTo("thief"));
		}
		finally {
			keys.delete();
		}
	}

	/**
	 * The totals key holds a string (HINCRBY would fail with WRONGTYPE), or a hash whose field is not an integer
	 * (HINCRBY would fail after the output was written): either way nothing of the step may be applied.
	 */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "string", "hash with text" })
	void aStepThatRedisWouldRefuseAppliesNothingAndItsEntryEndsInTheDeadLetterStream(String totals) {
		Keys keys = new Keys("tx-refused");
		if (totals.equals("string")) {
			redis.set(keys.totals, "not a hash");
		}
		else {
			redis.hset(keys.totals, "quantity", "not a number");
		}
		try (ConfigurableApplicationContext app = TransactionalTestApp.start(keys.input, keys.output, keys.totals,
				REDIS_CONSUMER + "max-deliveries=2", REDIS_CONSUMER + "claim-idle-time=500ms",
				REDIS_CONSUMER + "claim-interval=100ms")) {
			redis.xadd(keys.input, "payload", new Order("o-1", 3).toJson());
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(keys.dlq()) == 1 && pending(keys.input) == 0);
			// nothing of the refused steps was applied: no output, the key untouched
			assertThat(redis.exists(keys.output)).isZero();
			assertThat(redis.type(keys.totals)).isEqualTo(totals.equals("string") ? "string" : "hash");
		}
		finally {
			keys.delete();
		}
	}

	/**
	 * A step whose last write fails after others were applied inside the script: they are undone (Redis has no
	 * rollback of its own), the keys are back as they were, and the step is retried later.
	 */
	@Test
	void aStepFailingHalfWayIsUndone() {
		Keys keys = new Keys("tx-undo");
		String flag = "{" + keys.input + "}:flag";
		String bad = "{" + keys.input + "}:bad";
		redis.hset(keys.totals, "quantity", "10");
		redis.pexpire(keys.totals, 600_000);
		redis.set(bad, "a string, not a hash");
		try (ConfigurableApplicationContext app = TransactionalTestApp.start(keys.input, keys.output, keys.totals,
				REDIS_CONSUMER + "max-deliveries=2", REDIS_CONSUMER + "claim-idle-time=500ms",
				REDIS_CONSUMER + "claim-interval=100ms")) {
			// after the totals (applied first): a new key, then a write Redis refuses
			app.getBean(TransactionalTestApp.Behaviour.class)
				.after((order) -> RedisStreamTransaction.current().set(flag, "applied").hincrby(bad, "field", 1));
			redis.xadd(keys.input, "payload", new Order("o-1", 3).toJson());
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(keys.dlq()) == 1 && pending(keys.input) == 0);
			assertThat(redis.hget(keys.totals, "quantity")).as("the increment undone").isEqualTo("10");
			assertThat(redis.pttl(keys.totals)).as("with its time to live").isPositive();
			assertThat(redis.exists(flag, keys.output)).as("the new key and the output removed").isZero();
			assertThat(app.getBean(TransactionalTestApp.Behaviour.class).calls()).isEqualTo(2);
		}
		finally {
			keys.delete();
			redis.del(flag, bad);
		}
	}

	@Test
	void theStepIsOnlyReachableFromTheHandlersThread() {
		assertThatIllegalStateException().isThrownBy(RedisStreamTransaction::current)
			.withMessageContaining("transactional: true");
	}

	private static long pending(String stream) {
		try {
			return redis.xpending(stream, GROUP).getCount();
		}
		catch (io.lettuce.core.RedisCommandExecutionException ex) {
			return -1;
		}
	}

	/** The keys of one test, all with the input's hash tag. */
	private static final class Keys {

		final String input;

		final String output;

		final String totals;

		Keys(String prefix) {
			this.input = RedisTestSupport.uniqueName(prefix);
			this.output = "{" + this.input + "}:invoices";
			this.totals = "{" + this.input + "}:totals";
		}

		String dlq() {
			return "{" + this.input + "}:" + GROUP + ":dlq";
		}

		void delete() {
			redis.del(this.input, this.output, this.totals, dlq());
		}

	}

}
