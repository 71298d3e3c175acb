package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Entries that can never be processed end up in the dead-letter stream, with their failure recorded,
 * after the right number of attempts, and leave the source PEL empty.
 */
class PoisonMessageTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	String stream;

	String group;

	ConfigurableApplicationContext context;

	@AfterEach
	void cleanUp() {
		if (this.context != null) {
			this.context.close();
		}
		if (this.stream != null) {
			redis.del(this.stream, dlq());
		}
	}

	@Test
	void undecodablePayloadIsDeadLetteredAfterOneAttemptWithoutReachingTheHandler() {
		start("--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=300ms");
		String id = redis.xadd(this.stream, "payload", "{not json");

		await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(dlq()) == 1);
		Map<String, String> deadLetter = deadLetters().get(0).getBody();
		assertThat(deadLetter).containsEntry("payload", "{not json")
			.containsEntry(DeadLetterFields.ORIGINAL_STREAM, this.stream)
			.containsEntry(DeadLetterFields.ORIGINAL_ID, id)
			.containsEntry(DeadLetterFields.ORIGINAL_GROUP, this.group)
			.containsEntry(DeadLetterFields.DELIVERY_COUNT, "1")
			.containsKeys(DeadLetterFields.EXCEPTION_CLASS, DeadLetterFields.EXCEPTION_MESSAGE,
					DeadLetterFields.EXCEPTION_STACKTRACE, DeadLetterFields.FAILED_AT,
					DeadLetterFields.ORIGINAL_CONSUMER);
		assertThat(handler().totalSuccesses()).isZero();
		assertThat(pendingCount()).isZero();
	}

	@Test
	void entryWithoutPayloadFieldIsDeadLetteredAtOnce() {
		start();
		redis.xadd(this.stream, "orderId", "o-1");

		await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(dlq()) == 1);
		Map<String, String> deadLetter = deadLetters().get(0).getBody();
		assertThat(deadLetter).containsEntry("orderId", "o-1")
			.containsEntry(DeadLetterFields.EXCEPTION_CLASS,
					"io.github.redisstreams.binder.support.MalformedEntryException");
		assertThat(deadLetter.get(DeadLetterFields.EXCEPTION_MESSAGE)).contains("no 'payload' field");
		assertThat(pendingCount()).isZero();
	}

	@Test
	void handlerThatAlwaysFailsIsDeadLetteredAfterExactlyMaxDeliveries() {
		start("--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=3",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms");
		handler().behave((order) -> {
			throw new IllegalStateException("cannot process " + order.orderId());
		});
		redis.xadd(this.stream, "payload", new Order("poison", 1).toJson());

		await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen(dlq()) == 1);
		assertThat(handler().invocations("poison")).isEqualTo(3);
		Map<String, String> deadLetter = deadLetters().get(0).getBody();
		assertThat(deadLetter).containsEntry(DeadLetterFields.DELIVERY_COUNT, "3")
			.containsEntry(DeadLetterFields.EXCEPTION_CLASS, IllegalStateException.class.getName())
			.containsEntry(DeadLetterFields.EXCEPTION_MESSAGE, "cannot process poison");
		assertThat(deadLetter.get(DeadLetterFields.EXCEPTION_STACKTRACE)).contains("IllegalStateException");
		assertThat(pendingCount()).isZero();
	}

	@Test
	void inProcessRetriesRunWithinEachDelivery() {
		start("--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=2",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=2",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms");
		handler().behave((order) -> {
			throw new IllegalStateException("always");
		});
		redis.xadd(this.stream, "payload", new Order("retried", 1).toJson());

		await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen(dlq()) == 1);
		assertThat(handler().invocations("retried")).isEqualTo(4);
		assertThat(pendingCount()).isZero();
	}

	@Test
	void nonRetryableExceptionIsDeadLetteredOnItsFirstDelivery() {
		start("--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=3",
				"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.retryable-exceptions.java.lang.IllegalArgumentException=false",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=5");
		handler().behave((order) -> {
			throw new IllegalArgumentException("invalid order " + order.orderId());
		});
		redis.xadd(this.stream, "payload", new Order("invalid", 1).toJson());

		await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(dlq()) == 1);
		assertThat(handler().invocations("invalid")).isEqualTo(1);
		assertThat(deadLetters().get(0).getBody()).containsEntry(DeadLetterFields.DELIVERY_COUNT, "1")
			.containsEntry(DeadLetterFields.EXCEPTION_CLASS, IllegalArgumentException.class.getName());
		assertThat(pendingCount()).isZero();
	}

	@Test
	void failedEntryIsDeliveredAgainAndSucceedsWithoutReachingTheDeadLetterStream() {
		start("--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=3",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms");
		handler().behave((order) -> {
			if (handler().invocations(order.orderId()) < 2) {
				throw new IllegalStateException("transient");
			}
		});
		redis.xadd(this.stream, "payload", new Order("flaky", 1).toJson());

		await().atMost(Duration.ofSeconds(20)).until(() -> handler().successes("flaky") == 1);
		await().atMost(Duration.ofSeconds(10)).until(() -> pendingCount() == 0);
		assertThat(handler().invocations("flaky")).isEqualTo(2);
		assertThat(redis.exists(dlq())).isZero();
	}

	@Test
	void withoutDeadLetterStreamTheEntryIsDroppedAfterMaxDeliveriesAndNotDeliveredForever() {
		start("--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.enable-dlq=false",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=2",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=300ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=100ms");
		handler().behave((order) -> {
			throw new IllegalStateException("always");
		});
		redis.xadd(this.stream, "payload", new Order("dropped", 1).toJson());

		await().atMost(Duration.ofSeconds(20))
			.until(() -> handler().invocations("dropped") == 2 && pendingCount() == 0);
		// nothing claims it again: the invocation count stays at max-deliveries
		await().during(Duration.ofSeconds(1))
			.atMost(Duration.ofSeconds(5))
			.until(() -> handler().invocations("dropped") == 2);
		assertThat(redis.exists(dlq())).isZero();
	}

	@Test
	void deadLettersAreReplayedToTheirStreamAndProcessed() {
		start("--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=1");
		handler().behave((order) -> {
			throw new IllegalStateException("downstream unavailable");
		});
		for (int i = 0; i < 3; i++) {
			redis.xadd(this.stream, Map.of("payload", new Order("replay-" + i, 1).toJson(), "tenant", "acme"));
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(dlq()) == 3);
		RedisStreamDeadLetterOperations operations = this.context.getBean(RedisStreamDeadLetterOperations.class);
		assertThat(operations.count(dlq())).isEqualTo(3);
		List<DeadLetter> listed = operations.list(dlq(), 10);
		assertThat(listed).extracting(DeadLetter::originalStream).containsOnly(this.stream);
		assertThat(listed.get(0).headers()).containsEntry("tenant", "acme");
		assertThat(listed.get(0).exceptionMessage()).isEqualTo("downstream unavailable");

		handler().behave((order) -> {
		});
		assertThat(operations.replay(dlq(), List.of(listed.get(0).id()))).isEqualTo(1);
		await().atMost(Duration.ofSeconds(20)).until(() -> handler().successes("replay-0") == 1);
		assertThat(operations.count(dlq())).isEqualTo(2);

		assertThat(operations.replayAll(dlq())).isEqualTo(2);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> handler().successes("replay-1") == 1 && handler().successes("replay-2") == 1);
		assertThat(operations.count(dlq())).isZero();
		await().atMost(Duration.ofSeconds(10)).until(() -> pendingCount() == 0);
		// the replayed entries carry their original headers, not the failure record
		List<StreamMessage<String, String>> replayed = redis.xrevrange(this.stream, io.lettuce.core.Range.create("-", "+"),
				io.lettuce.core.Limit.from(1));
		assertThat(replayed.get(0).getBody()).containsEntry("tenant", "acme")
			.doesNotContainKey(DeadLetterFields.EXCEPTION_MESSAGE);
	}

	@Test
	void purgeEmptiesTheDeadLetterStream() {
		start("--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=1");
		handler().behave((order) -> {
			throw new IllegalStateException("nope");
		});
		redis.xadd(this.stream, "payload", new Order("purged", 1).toJson());
		await().atMost(Duration.ofSeconds(20)).until(() -> redis.xlen(dlq()) == 1);

		RedisStreamDeadLetterOperations operations = this.context.getBean(RedisStreamDeadLetterOperations.class);
		assertThat(operations.purge(dlq())).isEqualTo(1);
		assertThat(operations.count(dlq())).isZero();
	}

	private void start(String... args) {
		this.stream = RedisTestSupport.uniqueName("poison");
		this.group = "payments";
		this.context = OrderTestApp.start(this.stream, this.group, args);
	}

	private OrderHandler handler() {
		return this.context.getBean(OrderHandler.class);
	}

	private String dlq() {
		return RedisStreamDeadLetterOperations.deadLetterStream(this.stream, this.group);
	}

	private List<StreamMessage<String, String>> deadLetters() {
		return redis.xrange(dlq(), io.lettuce.core.Range.create("-", "+"));
	}

	private long pendingCount() {
		return redis.xpending(this.stream, this.group).getCount();
	}

}
