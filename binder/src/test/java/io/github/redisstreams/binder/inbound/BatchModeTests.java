package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.binding.BindingsLifecycleController.State;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.recovery.DeadLetterFields;
import io.github.redisstreams.binder.support.BatchEntryFailedException;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.test.BatchOrderHandler;
import io.github.redisstreams.binder.test.BatchOrderTestApp;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static io.github.redisstreams.binder.test.BatchOrderTestApp.consumer;
import static io.github.redisstreams.binder.test.BatchOrderTestApp.redisConsumer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Batch consumers ({@code batch-mode: true}): a handler taking a list of orders, against a real Redis. Each
 * failure test checks that no entry is lost (the pending list ends empty, every order is processed or
 * dead-lettered) and that no healthy entry is dead-lettered beside a failing one.
 */
class BatchModeTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final String GROUP = "billing";

	@Test
	void batchesCarryTheEntriesInStreamOrderWithTheirHeaders() {
		String stream = RedisTestSupport.uniqueName("batches");
		List<String> ids = add(stream, "o-0", "o-1", "o-2", "o-3", "o-4", "o-5", "o-6", "o-7", "o-8", "o-9");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP, redisConsumer("read-count", 4))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> handler.totalSuccesses() == 10 && pending(stream) == 0);
			assertThat(handler.batches()).allSatisfy((batch) -> assertThat(batch).hasSizeBetween(1, 4));
			assertThat(handler.batches().stream().flatMap(List::stream).toList())
				.containsExactly("o-0", "o-1", "o-2", "o-3", "o-4", "o-5", "o-6", "o-7", "o-8", "o-9");
			List<Map<String, Object>> headers = handler.batchHeaders().stream().flatMap(List::stream).toList();
			assertThat(headers).extracting((entry) -> entry.get(RedisStreamHeaders.ENTRY_ID)).containsExactlyElementsOf(ids);
			assertThat(headers).allSatisfy((entry) -> assertThat(entry.get(RedisStreamHeaders.DELIVERY_COUNT)).isEqualTo(1));
		}
		finally {
			redis.del(stream);
		}
	}

	@Test
	void aBatchProcessorWritesOneOutputPerBatchAndAcknowledgesItsInputs() {
		String stream = RedisTestSupport.uniqueName("batch-in");
		String output = RedisTestSupport.uniqueName("batch-out");
		add(stream, "o-0", "o-1", "o-2");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.startProcessor(stream, GROUP, output)) {
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(output) >= 1 && pending(stream) == 0);
			List<StreamMessage<String, String>> summaries = redis.xrange(output, Range.create("-", "+"));
			// one output per batch; together they account for every order
			assertThat(summaries.stream()
				.mapToInt((entry) -> Integer.parseInt(entry.getBody().get("payload").replace("\"", "").split(":")[0]))
				.sum()).isEqualTo(3);
		}
		finally {
			redis.del(stream, output);
		}
	}

	@Test
	void aSmallBatchWaitsForBatchMinCountUpToBatchMaxWait() throws Exception {
		String stream = RedisTestSupport.uniqueName("gather");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP, redisConsumer("read-count", 10),
				redisConsumer("batch-min-count", 5), redisConsumer("batch-max-wait", "5s"))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			for (int i = 0; i < 5; i++) {
				add(stream, "o-" + i);
				// entries trickling in, as from a quiet producer
				Thread.sleep(50);
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> handler.totalSuccesses() == 5 && pending(stream) == 0);
			assertThat(handler.batches()).containsExactly(List.of("o-0", "o-1", "o-2", "o-3", "o-4"));

			// fewer than batch-min-count: handed over as they are once batch-max-wait has passed
		}
		finally {
			redis.del(stream);
		}
		String quiet = RedisTestSupport.uniqueName("gather-quiet");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(quiet, GROUP, redisConsumer("read-count", 10),
				redisConsumer("batch-min-count", 5), redisConsumer("batch-max-wait", "300ms"))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			add(quiet, "q-0", "q-1");
			await().atMost(Duration.ofSeconds(10)).until(() -> handler.totalSuccesses() == 2 && pending(quiet) == 0);
			assertThat(handler.batches().stream().flatMap(List::stream).toList()).containsExactly("q-0", "q-1");
		}
		finally {
			redis.del(quiet);
		}
	}

	@ParameterizedTest(name = "max-attempts {0}")
	@ValueSource(ints = { 1, 2 })
	void aNamedFailedEntryIsSettledAloneTheEntriesBeforeItAreAcknowledgedAndTheRestDeliveredAgain(int maxAttempts) {
		String stream = RedisTestSupport.uniqueName("named");
		add(stream, "o-0", "o-1", "bad", "o-3", "o-4");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP, NOT_STARTED,
				consumer("max-attempts", maxAttempts),
				redisConsumer("max-deliveries", 2), redisConsumer("claim-idle-time", "500ms"),
				redisConsumer("claim-interval", "100ms"))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			handler.behave((orders) -> {
				for (int i = 0; i < orders.size(); i++) {
					if (orders.get(i).orderId().equals("bad")) {
						throw new BatchEntryFailedException("order rejected", new IllegalStateException("no stock"), i);
					}
				}
			});
			startBinding(app);
			String dlq = dlq(stream);
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(dlq) == 1 && pending(stream) == 0);
			assertThat(handler.successes("o-3")).isEqualTo(1);
			assertThat(handler.successes("o-4")).isEqualTo(1);
			// before the failed entry: processed by the call that named it, never delivered again
			assertThat(handler.invocations("o-0")).isEqualTo(1);
			assertThat(handler.invocations("o-1")).isEqualTo(1);
			// the retry started at the failed entry; after it, a new batch
			assertThat(handler.batches().get(1)).startsWith("bad");
			assertThat(handler.batches()).contains(List.of("o-3", "o-4"));
			StreamMessage<String, String> deadLetter = redis.xrange(dlq, Range.create("-", "+")).get(0);
			assertThat(deadLetter.getBody().get("payload")).contains("\"bad\"");
			assertThat(deadLetter.getBody().get(DeadLetterFields.EXCEPTION_MESSAGE)).contains("no stock");
			assertThat(deadLetter.getBody().get(DeadLetterFields.DELIVERY_COUNT)).isEqualTo("2");
			assertThat(handler.successes("bad")).isZero();
		}
		finally {
			redis.del(stream, dlq(stream));
		}
	}

	@Test
	void aFailureNamingNoEntrySettlesEachEntryOnItsOwnAfterTheRetries() {
		String stream = RedisTestSupport.uniqueName("unnamed");
		add(stream, "o-0", "bad", "o-2");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP, NOT_STARTED, consumer("max-attempts", 2),
				redisConsumer("max-deliveries", 2), redisConsumer("claim-idle-time", "500ms"),
				redisConsumer("claim-interval", "100ms"))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			handler.behave((orders) -> {
				if (orders.stream().anyMatch((order) -> order.orderId().equals("bad"))) {
					throw new IllegalStateException("a bad order somewhere in the batch");
				}
			});
			startBinding(app);
			String dlq = dlq(stream);
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(dlq) == 1 && pending(stream) == 0);
			assertThat(handler.successes("o-0")).isEqualTo(1);
			assertThat(handler.successes("o-2")).isEqualTo(1);
			// the whole batch twice (max-attempts), then each on its own
			assertThat(handler.batches().subList(0, 3)).containsExactly(List.of("o-0", "bad", "o-2"),
					List.of("o-0", "bad", "o-2"), List.of("o-0"));
			assertThat(redis.xrange(dlq, Range.create("-", "+"))).singleElement()
				.satisfies((deadLetter) -> assertThat(deadLetter.getBody().get("payload")).contains("\"bad\""));
		}
		finally {
			redis.del(stream, dlq(stream));
		}
	}

	@Test
	void anEntryThatIsNotValidJsonIsDeadLetteredInsteadOfLeftOutOfItsBatchUnseen() {
		String stream = RedisTestSupport.uniqueName("broken-json");
		add(stream, "o-0");
		redis.xadd(stream, "payload", "{\"orderId\": \"broken");
		add(stream, "o-2");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP)) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			String dlq = dlq(stream);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> handler.totalSuccesses() == 2 && redis.xlen(dlq) == 1 && pending(stream) == 0);
			assertThat(handler.batches()).containsExactly(List.of("o-0", "o-2"));
			StreamMessage<String, String> deadLetter = redis.xrange(dlq, Range.create("-", "+")).get(0);
			assertThat(deadLetter.getBody().get("payload")).contains("broken");
			assertThat(deadLetter.getBody().get(DeadLetterFields.EXCEPTION_MESSAGE)).contains("not valid JSON");
		}
		finally {
			redis.del(stream, dlq(stream));
		}
	}

	@Test
	void aTransientFailureRetriesTheWholeBatch() {
		String stream = RedisTestSupport.uniqueName("transient");
		add(stream, "o-0", "o-1", "o-2");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP, NOT_STARTED,
				consumer("max-attempts", 3))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			AtomicBoolean failed = new AtomicBoolean();
			handler.behave((orders) -> {
				if (failed.compareAndSet(false, true)) {
					throw new IllegalStateException("database briefly unavailable");
				}
			});
			startBinding(app);
			await().atMost(Duration.ofSeconds(20)).until(() -> handler.totalSuccesses() == 3 && pending(stream) == 0);
			assertThat(handler.batches()).containsExactly(List.of("o-0", "o-1", "o-2"), List.of("o-0", "o-1", "o-2"));
			assertThat(redis.exists(dlq(stream))).isZero();
		}
		finally {
			redis.del(stream);
		}
	}

	@Test
	void anEntryWithTheKeyOfAnotherInItsBatchIsSkippedOnceThatOneSucceeded() {
		String stream = RedisTestSupport.uniqueName("same-key");
		add(stream, "o-0", "o-1", "o-0", "o-2");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP,
				redisConsumer("idempotency.key-expression", "payload.orderId"))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> handler.totalSuccesses() == 3 && pending(stream) == 0);
			assertThat(handler.successes("o-0")).isEqualTo(1);
			assertThat(handler.batches()).containsExactly(List.of("o-0", "o-1", "o-2"));
		}
		finally {
			redis.del(stream);
			redis.del(redis.keys("*" + stream + "*").toArray(String[]::new));
		}
	}

	@Test
	void aBatchStillInItsHandlerWhenTheBindingStopsIsAcknowledgedWhenItReturns() throws Exception {
		String stream = RedisTestSupport.uniqueName("stop");
		// already there when the binding starts: one batch
		add(stream, "o-0", "o-1", "o-2");
		try (ConfigurableApplicationContext app = BatchOrderTestApp.start(stream, GROUP, NOT_STARTED,
				redisConsumer("shutdown-timeout", "200ms"), redisConsumer("claim-idle-time", "600ms"),
				redisConsumer("claim-interval", "100ms"))) {
			BatchOrderHandler handler = app.getBean(BatchOrderHandler.class);
			CountDownLatch inHandler = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			handler.behave((orders) -> {
				inHandler.countDown();
				try {
					release.await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			startBinding(app);
			assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();
			app.getBean(BindingsLifecycleController.class).changeState(BatchOrderTestApp.BINDING, State.STOPPED);
			// the stop gave up waiting; the entries stay pending and leased while the handler runs
			await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(10)).until(() -> pending(stream) > 0);
			release.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> pending(stream) == 0);
			assertThat(handler.batches()).containsExactly(List.of("o-0", "o-1", "o-2"));
			assertThat(handler.totalSuccesses()).isEqualTo(3);
		}
		finally {
			redis.del(stream);
		}
	}

	/** Binds without starting, so that a test sets the handler's behaviour before the first batch. */
	private static final String NOT_STARTED = consumer("auto-startup", false);

	private static void startBinding(ConfigurableApplicationContext app) {
		app.getBean(BindingsLifecycleController.class).changeState(BatchOrderTestApp.BINDING, State.STARTED);
	}

	private static List<String> add(String stream, String... orderIds) {
		List<String> ids = new ArrayList<>();
		for (String orderId : orderIds) {
			ids.add(redis.xadd(stream, "payload", new Order(orderId, 1).toJson()));
		}
		return ids;
	}

	private static long pending(String stream) {
		try {
			return redis.xpending(stream, GROUP).getCount();
		}
		catch (io.lettuce.core.RedisCommandExecutionException ex) {
			// the group does not exist yet
			return -1;
		}
	}

	private static String dlq(String stream) {
		return "{" + stream + "}:" + GROUP + ":dlq";
	}

}
