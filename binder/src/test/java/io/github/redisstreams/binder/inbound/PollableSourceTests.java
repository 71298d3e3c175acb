package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.binder.PollableMessageSource;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.binding.BindingsLifecycleController.State;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.integration.StaticMessageHeaderAccessor;
import org.springframework.integration.acks.AcknowledgmentCallback;
import org.springframework.integration.acks.AcknowledgmentCallback.Status;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.converter.MessageConversionException;

import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.recovery.DeadLetterFields;
import io.github.redisstreams.binder.recovery.DeliveryLimitExceededException;
import io.github.redisstreams.binder.support.EntryRejectedException;
import io.github.redisstreams.binder.support.MalformedEntryException;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Pollable sources ({@code spring.cloud.stream.pollable-source}) on Redis bindings, in Spring Boot applications
 * that poll their {@link PollableMessageSource} themselves, against the real Redis: what a poll delivers, what
 * each acknowledgement does to the entry, what a failed handler, a stop and a dead poller leave behind. Every test
 * accounts for each entry in the end: acknowledged, dead-lettered or still pending.
 */
@ExtendWith(OutputCaptureExtension.class)
class PollableSourceTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	private static final String BINDING = "orders-in-0";

	private static final String GROUP = "billing";

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final ParameterizedTypeReference<Order> ORDER = new ParameterizedTypeReference<>() {
	};

	/** Short leases and frequent claims, so that take-overs happen within a test. */
	private static final String[] QUICK_CLAIMS = { consumer("claim-idle-time=1s"), consumer("claim-interval=100ms") };

	@Test
	void onePollDeliversOneEntryOfABufferedReadAndAcknowledgesIt() {
		String stream = RedisTestSupport.uniqueName("polled");
		List<String> ids = add(stream, new Order("o-0", 1), new Order("o-1", 2), new Order("o-2", 3));
		try (ConfigurableApplicationContext app = start(stream, "poller-a")) {
			PollableMessageSource source = source(app);
			List<Message<?>> received = new CopyOnWriteArrayList<>();

			assertThat(source.poll(received::add, ORDER)).isTrue();

			// one XREADGROUP fetched all three; the two not polled yet are held by this consumer (the XACK of the
			// first is sent without waiting for its reply)
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 2);
			assertThat(redis.xpending(stream, GROUP).getConsumerMessageCount()).containsOnlyKeys("poller-a-0");
			assertThat(source.poll(received::add, ORDER)).isTrue();
			assertThat(source.poll(received::add, ORDER)).isTrue();
			assertThat(source.poll(received::add, ORDER)).isFalse();

			assertThat(received.stream().map((message) -> (Object) message.getPayload()).toList())
				.containsExactly(new Order("o-0", 1), new Order("o-1", 2), new Order("o-2", 3));
			Message<?> first = received.get(0);
			assertThat(first.getHeaders()).containsEntry(RedisStreamHeaders.STREAM, stream)
				.containsEntry(RedisStreamHeaders.GROUP, GROUP)
				.containsEntry(RedisStreamHeaders.CONSUMER, "poller-a-0")
				.containsEntry(RedisStreamHeaders.ENTRY_ID, ids.get(0))
				.containsEntry(RedisStreamHeaders.DELIVERY_COUNT, 1);
			assertThat(StaticMessageHeaderAccessor.getAcknowledgmentCallback(first).isAcknowledged()).isTrue();
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);

			MeterRegistry meters = app.getBean(MeterRegistry.class);
			assertThat(count(meters, "received")).isEqualTo(3);
			await().atMost(TIMEOUT).until(() -> count(meters, "acked") == 3);
			assertThat(count(meters, "failed")).isZero();
			// the binding is known to health, metrics and the redisstreams endpoint like a message-driven one
			List<ConsumerBindingView> views = app.getBean(RedisStreamBindingRegistry.class).consumers();
			assertThat(views).singleElement().satisfies((view) -> {
				assertThat(view.bindingName()).isEqualTo(BINDING);
				assertThat(view.consumerNames()).containsExactly("poller-a-0");
				assertThat(view.liveConsumers()).isEqualTo(1);
				assertThat(view.deadLetterStream()).isEqualTo(StreamKeys.deadLetterStream(stream, GROUP));
			});
			assertThat(redis.xlen(stream)).isEqualTo(3);
		}
		cleanUp(stream);
	}

	/**
	 * A handler that keeps failing: the binding's in-process retries on each poll, then, as for a message-driven
	 * binding, the entry stays pending, is delivered again after claim-idle-time, and is dead-lettered with its
	 * failure on its last delivery.
	 */
	@Test
	void failingHandlerIsRetriedThenDeliveredAgainAndDeadLetteredOnItsLastDelivery() {
		String stream = RedisTestSupport.uniqueName("polled-failing");
		String id = add(stream, new Order("bad", 0)).get(0);
		try (ConfigurableApplicationContext app = start(stream, "poller-a", plus(QUICK_CLAIMS,
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.max-attempts=3", consumer("max-deliveries=2")))) {
			PollableMessageSource source = source(app);
			List<Integer> deliveries = new CopyOnWriteArrayList<>();
			MessageHandler failing = (message) -> {
				deliveries.add((Integer) message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT));
				throw new IllegalStateException("cannot bill order " + ((Order) message.getPayload()).orderId());
			};

			// the poll returns normally: the failure was handled by the binder
			assertThat(source.poll(failing, ORDER)).isTrue();
			assertThat(deliveries).containsExactly(1, 1, 1);
			assertThat(redis.xpending(stream, GROUP).getCount()).isEqualTo(1);
			assertThat(pending(stream)).singleElement()
				.satisfies((entry) -> assertThat(entry.getRedeliveryCount()).isEqualTo(1));

			// delivered again once idle for claim-idle-time, to whoever polls
			pollUntilHandled(source, failing);
			assertThat(deliveries).containsExactly(1, 1, 1, 2, 2, 2);
			List<StreamMessage<String, String>> deadLetters = deadLetters(stream);
			assertThat(deadLetters).singleElement().satisfies((deadLetter) -> assertThat(deadLetter.getBody())
				.containsEntry(DeadLetterFields.ORIGINAL_ID, id)
				.containsEntry(DeadLetterFields.DELIVERY_COUNT, "2")
				.containsEntry(DeadLetterFields.EXCEPTION_CLASS, IllegalStateException.class.getName())
				.containsEntry(DeadLetterFields.EXCEPTION_MESSAGE, "cannot bill order bad")
				.containsKey(DeadLetterFields.EXCEPTION_STACKTRACE));
			assertThat(redis.xpending(stream, GROUP).getCount()).isZero();
			MeterRegistry meters = app.getBean(MeterRegistry.class);
			assertThat(count(meters, "failed")).isEqualTo(2);
			assertThat(count(meters, "dead.lettered")).isEqualTo(1);
			assertThat(source.poll(failing, ORDER)).isFalse();
		}
		cleanUp(stream);
	}

	@Test
	void rejectDeadLettersTheEntryAtOnce() {
		String stream = RedisTestSupport.uniqueName("polled-reject");
		String id = add(stream, new Order("refused", 1), new Order("next", 1)).get(0);
		try (ConfigurableApplicationContext app = start(stream, "poller-a")) {
			PollableMessageSource source = source(app);

			assertThat(source.poll((message) -> callback(message).acknowledge(Status.REJECT), ORDER)).isTrue();

			assertThat(deadLetters(stream)).singleElement().satisfies((deadLetter) -> assertThat(deadLetter.getBody())
				.containsEntry(DeadLetterFields.ORIGINAL_ID, id)
				.containsEntry(DeadLetterFields.EXCEPTION_CLASS, EntryRejectedException.class.getName())
				.containsEntry("payload", new Order("refused", 1).toJson()));
			assertThat(redis.xpending(stream, GROUP).getCount()).isEqualTo(1);
			assertThat(source.poll((message) -> {
			}, ORDER)).isTrue();
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(count(app.getBean(MeterRegistry.class), "dead.lettered")).isEqualTo(1);
			assertThat(redis.xlen(stream)).isEqualTo(2);
		}
		cleanUp(stream);
	}

	@Test
	void withoutDeadLetterStreamRejectAcknowledgesAndCountsTheEntryAsDropped(CapturedOutput output) {
		String stream = RedisTestSupport.uniqueName("polled-drop");
		String id = add(stream, new Order("dropped", 1)).get(0);
		try (ConfigurableApplicationContext app = start(stream, "poller-a", consumer("enable-dlq=false"))) {
			PollableMessageSource source = source(app);

			assertThat(source.poll((message) -> callback(message).acknowledge(Status.REJECT), ORDER)).isTrue();

			assertThat(redis.xpending(stream, GROUP).getCount()).isZero();
			assertThat(redis.exists(StreamKeys.deadLetterStream(stream, GROUP))).isZero();
			assertThat(count(app.getBean(MeterRegistry.class), "dropped")).isEqualTo(1);
			assertThat(output).contains("Entry " + id + " of stream '" + stream + "' (group '" + GROUP
					+ "') is dropped because the application rejected it");
		}
		cleanUp(stream);
	}

	/**
	 * REQUEUE gives the entry back with its delivery counted; the next poll takes it again at once. Requeued on
	 * every delivery, it is dead-lettered once over max-deliveries, without reaching a handler, and that same
	 * poll delivers the next entry.
	 */
	@Test
	void requeueDeliversTheEntryAgainAtOnceUntilMaxDeliveries() {
		String stream = RedisTestSupport.uniqueName("polled-requeue");
		List<String> ids = add(stream, new Order("again", 1), new Order("after", 1));
		try (ConfigurableApplicationContext app = start(stream, "poller-a", consumer("max-deliveries=3"),
				consumer("read-count=1"))) {
			PollableMessageSource source = source(app);
			List<String> handled = new CopyOnWriteArrayList<>();
			MessageHandler requeueAgain = (message) -> {
				Order order = (Order) message.getPayload();
				handled.add(order.orderId() + "#" + message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT));
				if (order.orderId().equals("again")) {
					callback(message).acknowledge(Status.REQUEUE);
				}
			};

			for (int poll = 0; poll < 4; poll++) {
				assertThat(source.poll(requeueAgain, ORDER)).isTrue();
			}

			assertThat(handled).containsExactly("again#1", "again#2", "again#3", "after#1");
			assertThat(deadLetters(stream)).singleElement().satisfies((deadLetter) -> assertThat(deadLetter.getBody())
				.containsEntry(DeadLetterFields.ORIGINAL_ID, ids.get(0))
				.containsEntry(DeadLetterFields.DELIVERY_COUNT, "4")
				.containsEntry(DeadLetterFields.EXCEPTION_CLASS, DeliveryLimitExceededException.class.getName()));
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(source.poll(requeueAgain, ORDER)).isFalse();
		}
		cleanUp(stream);
	}

	/**
	 * A polled handler that writes to another stream (a processor): its entry is acknowledged only once Redis
	 * stored the output. While the output is refused (the key holds a string), the entry is a failed delivery
	 * and stays pending; once the output can be written, it is delivered again and acknowledged.
	 */
	@Test
	void acceptWaitsForTheOutputsOfTheHandlerAndARefusedOutputIsAFailedDelivery() {
		String stream = RedisTestSupport.uniqueName("polled-processor");
		String out = RedisTestSupport.uniqueName("polled-processor-out");
		redis.set(out, "not a stream");
		add(stream, new Order("forwarded", 1));
		try (ConfigurableApplicationContext app = start(stream, "poller-a", plus(QUICK_CLAIMS,
				consumer("max-deliveries=10")))) {
			PollableMessageSource source = source(app);
			StreamBridge bridge = app.getBean(StreamBridge.class);
			MessageHandler forward = (message) -> bridge.send(out, message.getPayload());

			assertThat(source.poll(forward, ORDER)).isTrue();

			assertThat(pending(stream)).singleElement()
				.satisfies((entry) -> assertThat(entry.getRedeliveryCount()).isEqualTo(1));
			assertThat(count(app.getBean(MeterRegistry.class), "failed")).isEqualTo(1);
			redis.del(out);
			pollUntilHandled(source, forward);
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(redis.xlen(out)).isEqualTo(1);
			assertThat(deadLetters(stream)).isEmpty();
		}
		cleanUp(stream);
		redis.del(out);
	}

	/**
	 * With auto-acknowledgement off, the application acknowledges later, from another thread. Meanwhile the entry
	 * stays leased: another instance polling the same group does not take it, however long it waits.
	 */
	@Test
	void noAutoAckMessageIsAcknowledgedLaterFromAnotherThreadAndKeepsItsLeaseMeanwhile() {
		String stream = RedisTestSupport.uniqueName("polled-manual");
		String[] quick = { consumer("claim-idle-time=1s"), consumer("claim-interval=100ms") };
		add(stream, new Order("slow", 1));
		try (ConfigurableApplicationContext first = start(stream, "poller-a", quick);
				ConfigurableApplicationContext second = start(stream, "poller-b", quick)) {
			AtomicReference<AcknowledgmentCallback> later = new AtomicReference<>();

			assertThat(source(first).poll((message) -> {
				AcknowledgmentCallback callback = callback(message);
				callback.noAutoAck();
				later.set(callback);
			}, ORDER)).isTrue();

			assertThat(later.get().isAcknowledged()).isFalse();
			List<Message<?>> taken = new CopyOnWriteArrayList<>();
			PollableMessageSource other = source(second);
			// three times claim-idle-time
			await().during(Duration.ofSeconds(3)).atMost(TIMEOUT).pollInSameThread()
				.until(() -> !other.poll(taken::add, ORDER) && taken.isEmpty());
			assertThat(pending(stream)).singleElement()
				.satisfies((entry) -> assertThat(entry.getConsumer()).isEqualTo("poller-a-0"));

			CompletableFuture.runAsync(() -> later.get().acknowledge(Status.ACCEPT)).join();

			assertThat(later.get().isAcknowledged()).isTrue();
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(deadLetters(stream)).isEmpty();
		}
		cleanUp(stream);
	}

	@Test
	void callbackUsedTwiceIsAnError() {
		String stream = RedisTestSupport.uniqueName("polled-twice");
		add(stream, new Order("once", 1));
		try (ConfigurableApplicationContext app = start(stream, "poller-a")) {
			AtomicReference<AcknowledgmentCallback> used = new AtomicReference<>();

			// auto-acknowledged (ACCEPT) when the handler returns
			assertThat(source(app).poll((message) -> used.set(callback(message)), ORDER)).isTrue();

			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> used.get().acknowledge(Status.REJECT))
				.withMessageContaining("already settled (ACCEPT)");
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> used.get().acknowledge(Status.ACCEPT));
			// and inside a handler: the second use fails, the first stands
			add(stream, new Order("twice", 1));
			AtomicReference<Throwable> secondUse = new AtomicReference<>();
			assertThat(source(app).poll((message) -> {
				callback(message).acknowledge(Status.ACCEPT);
				try {
					callback(message).acknowledge(Status.REQUEUE);
				}
				catch (IllegalStateException ex) {
					secondUse.set(ex);
				}
			}, ORDER)).isTrue();
			assertThat(secondUse.get()).isInstanceOf(IllegalStateException.class);
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(deadLetters(stream)).isEmpty();
		}
		cleanUp(stream);
	}

	/**
	 * An instance that shuts down hands the entries it had fetched and no poll took back to the group at once:
	 * another instance takes them on its next claim, long before claim-idle-time, with no delivery counted.
	 */
	@Test
	void bufferedEntriesAreHandedBackWhenTheApplicationStops() {
		String stream = RedisTestSupport.uniqueName("polled-handback");
		add(stream, new Order("o-0", 1), new Order("o-1", 1), new Order("o-2", 1), new Order("o-3", 1));
		String[] slowClaims = { consumer("claim-idle-time=30s"), consumer("claim-interval=100ms") };
		List<String> handled = new CopyOnWriteArrayList<>();
		try (ConfigurableApplicationContext first = start(stream, "poller-a", slowClaims)) {
			assertThat(source(first).poll(orderIds(handled), ORDER)).isTrue();
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 3);
		}

		try (ConfigurableApplicationContext second = start(stream, "poller-b", slowClaims)) {
			PollableMessageSource source = source(second);
			List<Integer> counts = new CopyOnWriteArrayList<>();
			for (int i = 0; i < 3; i++) {
				pollUntilHandled(source, (message) -> {
					counts.add((Integer) message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT));
					orderIds(handled).handleMessage(message);
				});
			}
			assertThat(handled).containsExactly("o-0", "o-1", "o-2", "o-3");
			assertThat(counts).containsOnly(1);
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(count(second.getBean(MeterRegistry.class), "reclaimed")).isEqualTo(3);
		}
		cleanUp(stream);
	}

	/**
	 * A binding stopped while a message is in hand (auto-acknowledgement off) gives the application
	 * shutdown-timeout to acknowledge it, then hands it back with its delivery counted: another instance gets it
	 * at once, and the old callback refuses to be used.
	 */
	@Test
	void messageInHandWhenTheBindingStopsIsHandedBackAndItsCallbackThenFails() {
		String stream = RedisTestSupport.uniqueName("polled-stopped");
		add(stream, new Order("in-hand", 1));
		String[] settings = { consumer("claim-idle-time=30s"), consumer("claim-interval=100ms"),
				consumer("shutdown-timeout=300ms") };
		try (ConfigurableApplicationContext first = start(stream, "poller-a", settings);
				ConfigurableApplicationContext second = start(stream, "poller-b", settings)) {
			AtomicReference<AcknowledgmentCallback> kept = new AtomicReference<>();
			assertThat(source(first).poll((message) -> {
				callback(message).noAutoAck();
				kept.set(callback(message));
			}, ORDER)).isTrue();

			// Spring Cloud Stream knows a pollable binding by its destination's name (its binding target, the
			// DefaultPollableMessageSource, carries no binding name), in any binder
			BindingsLifecycleController bindings = first.getBean(BindingsLifecycleController.class);
			assertThat(bindings.queryState(BINDING)).isEmpty();
			bindings.changeState(stream, State.STOPPED);

			assertThat(pending(stream)).singleElement()
				.satisfies((entry) -> assertThat(entry.getRedeliveryCount()).isEqualTo(1));
			assertThat(source(first).poll((message) -> {
			}, ORDER)).isFalse();
			List<Integer> counts = new CopyOnWriteArrayList<>();
			pollUntilHandled(source(second),
					(message) -> counts.add((Integer) message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT)));
			assertThat(counts).containsExactly(2);
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> kept.get().acknowledge(Status.ACCEPT))
				.withMessageContaining("its source was stopped");
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(deadLetters(stream)).isEmpty();
		}
		cleanUp(stream);
	}

	/**
	 * Entries a consumer fetched before it died (here: read by hand under its name) are taken over by a poller
	 * once idle for claim-idle-time, not before. One of them was delivered more than max-deliveries times (it
	 * killed its consumers): it is dead-lettered without reaching the handler, and the same poll goes on with the
	 * next.
	 */
	@Test
	void entriesOfADeadConsumerAreTakenOverAfterClaimIdleTime() {
		String stream = RedisTestSupport.uniqueName("polled-takeover");
		redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), GROUP, XGroupCreateArgs.Builder.mkstream());
		try (ConfigurableApplicationContext app = start(stream, "poller-a", consumer("claim-idle-time=1500ms"),
				consumer("claim-interval=100ms"), consumer("max-deliveries=3"))) {
			PollableMessageSource source = source(app);
			List<String> ids = add(stream, new Order("killer", 1), new Order("survivor", 1));
			redis.xreadgroup(io.lettuce.core.Consumer.from(GROUP, "dead-0"), XReadArgs.Builder.count(2),
					XReadArgs.StreamOffset.lastConsumed(stream));
			redis.xclaim(stream, io.lettuce.core.Consumer.from(GROUP, "dead-0"), XClaimArgs.Builder.minIdleTime(0).retryCount(3),
					ids.get(0));
			List<String> handled = new CopyOnWriteArrayList<>();

			await().during(Duration.ofMillis(800)).atMost(TIMEOUT).pollInSameThread()
				.until(() -> !source.poll(orderIds(handled), ORDER));
			pollUntilHandled(source, orderIds(handled));

			assertThat(handled).containsExactly("survivor");
			assertThat(deadLetters(stream)).singleElement().satisfies((deadLetter) -> assertThat(deadLetter.getBody())
				.containsEntry(DeadLetterFields.ORIGINAL_ID, ids.get(0))
				.containsEntry(DeadLetterFields.EXCEPTION_CLASS, DeliveryLimitExceededException.class.getName()));
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(count(app.getBean(MeterRegistry.class), "reclaimed")).isEqualTo(2);
		}
		cleanUp(stream);
	}

	@Test
	void entryThatCannotBeDecodedIsDeadLetteredAndThePollGoesOn() {
		String stream = RedisTestSupport.uniqueName("polled-malformed");
		String malformed = redis.xadd(stream, Map.of("not-a-payload", "x"));
		add(stream, new Order("readable", 1));
		try (ConfigurableApplicationContext app = start(stream, "poller-a")) {
			List<String> handled = new CopyOnWriteArrayList<>();

			assertThat(source(app).poll(orderIds(handled), ORDER)).isTrue();

			assertThat(handled).containsExactly("readable");
			assertThat(deadLetters(stream)).singleElement().satisfies((deadLetter) -> assertThat(deadLetter.getBody())
				.containsEntry(DeadLetterFields.ORIGINAL_ID, malformed)
				.containsEntry(DeadLetterFields.EXCEPTION_CLASS, MalformedEntryException.class.getName()));
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
		}
		cleanUp(stream);
	}

	/**
	 * A payload that cannot be converted to the type the poll asks for fails the poll before any handler runs.
	 * The entry is not left leased for ever: the next poll on that thread counts it as a failed delivery, and
	 * after max-deliveries it is dead-lettered.
	 */
	@Test
	void entryWhosePayloadCannotBeConvertedIsDeadLetteredAfterMaxDeliveries() {
		String stream = RedisTestSupport.uniqueName("polled-unconvertible");
		String broken = redis.xadd(stream, "payload", "this is not json");
		try (ConfigurableApplicationContext app = start(stream, "poller-a", plus(QUICK_CLAIMS,
				consumer("max-deliveries=2")))) {
			PollableMessageSource source = source(app);
			AtomicInteger conversionFailures = new AtomicInteger();
			MessageHandler never = (message) -> {
				throw new AssertionError("no handler may get " + message);
			};

			await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ofMillis(50)).until(() -> {
				try {
					source.poll(never, ORDER);
				}
				catch (MessageConversionException ex) {
					conversionFailures.incrementAndGet();
				}
				return redis.xlen(StreamKeys.deadLetterStream(stream, GROUP)) == 1;
			});

			assertThat(conversionFailures).hasValue(2);
			assertThat(deadLetters(stream)).singleElement()
				.satisfies((deadLetter) -> assertThat(deadLetter.getBody()).containsEntry(DeadLetterFields.ORIGINAL_ID,
						broken));
			assertThat(redis.xpending(stream, GROUP).getCount()).isZero();
		}
		cleanUp(stream);
	}

	@Test
	void duplicateOfAProcessedKeyIsSkipped() {
		String stream = RedisTestSupport.uniqueName("polled-duplicates");
		add(stream, new Order("o-1", 1), new Order("o-1", 1), new Order("o-2", 1));
		try (ConfigurableApplicationContext app = start(stream, "poller-a",
				consumer("idempotency.key-expression=payload.orderId"))) {
			PollableMessageSource source = source(app);
			List<String> handled = new CopyOnWriteArrayList<>();

			assertThat(source.poll(orderIds(handled), ORDER)).isTrue();
			assertThat(source.poll(orderIds(handled), ORDER)).isTrue();
			assertThat(source.poll(orderIds(handled), ORDER)).isFalse();

			assertThat(handled).containsExactly("o-1", "o-2");
			await().atMost(TIMEOUT).until(() -> redis.xpending(stream, GROUP).getCount() == 0);
			assertThat(count(app.getBean(MeterRegistry.class), "duplicates.skipped")).isEqualTo(1);
		}
		cleanUp(stream);
		redis.del(StreamKeys.processedMarkerPrefix(stream, GROUP) + "o-1",
				StreamKeys.processedMarkerPrefix(stream, GROUP) + "o-2");
	}

	/**
	 * Redis goes away (killed, then started again empty): polls return nothing and throw nothing, the outage is
	 * logged once, and once Redis is back the group is created again and polls deliver.
	 */
	@Test
	void pollsReturnNothingWhileRedisIsDownAndDeliverOnceItIsBack(CapturedOutput output) {
		String stream = RedisTestSupport.uniqueName("polled-outage");
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort();
				ConfigurableApplicationContext app = startOn(server.url(), stream, "poller-a",
						"--spring.data.redis.timeout=500ms")) {
			PollableMessageSource source = source(app);
			RedisStreamBindingRegistry registry = app.getBean(RedisStreamBindingRegistry.class);
			List<String> handled = new CopyOnWriteArrayList<>();
			assertThat(source.poll(orderIds(handled), ORDER)).isFalse();

			server.kill();
			await().during(Duration.ofSeconds(2)).atMost(TIMEOUT).pollInSameThread()
				.until(() -> !source.poll(orderIds(handled), ORDER));
			assertThat(registry.consumers()).singleElement()
				.satisfies((view) -> assertThat(view.consumersInOutage()).isEqualTo(1));

			server.start();
			RedisClient client = RedisClient.create(server.url());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				RedisCommands<String, String> restarted = connection.sync();
				// the group is created again by the next poll; the entry written before it must not be skipped
				restarted.xadd(stream, "payload", new Order("after-restart", 1).toJson());
				pollUntilHandled(source, orderIds(handled));
				assertThat(handled).containsExactly("after-restart");
				await().atMost(TIMEOUT).until(() -> restarted.xpending(stream, GROUP).getCount() == 0);
			}
			finally {
				client.shutdown();
			}
			assertThat(registry.consumers()).singleElement()
				.satisfies((view) -> assertThat(view.consumersInOutage()).isZero());
			assertThat(output.toString().split("Redis is unavailable for pollable consumer 'poller-a-0'", -1))
				.hasSize(2);
			assertThat(output).contains("Redis is available again for pollable consumer 'poller-a-0'");
		}
	}

	// --- helpers --------------------------------------------------------------------------------

	static ConfigurableApplicationContext start(String stream, String instanceId, String... extraArgs) {
		return startOn(RedisTestSupport.redisUrl(), stream, instanceId, extraArgs);
	}

	/**
	 * Starts an application with the pollable source {@code orders} (binding {@code orders-in-0}) on the stream,
	 * group {@value #GROUP}, under the given instance id.
	 */
	static ConfigurableApplicationContext startOn(String redisUrl, String stream, String instanceId,
			String... extraArgs) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + redisUrl,
				"--spring.cloud.stream.pollable-source=orders",
				"--spring.cloud.stream.bindings." + BINDING + ".destination=" + stream,
				"--spring.cloud.stream.bindings." + BINDING + ".group=" + GROUP,
				"--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.back-off-initial-interval=10",
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.back-off-max-interval=20",
				"--spring.main.banner-mode=off"));
		args.addAll(Arrays.asList(extraArgs));
		return new SpringApplicationBuilder(PollingApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

	private static String consumer(String property) {
		return "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer." + property;
	}

	private static String[] plus(String[] common, String... more) {
		List<String> all = new ArrayList<>(Arrays.asList(common));
		all.addAll(Arrays.asList(more));
		return all.toArray(String[]::new);
	}

	private static PollableMessageSource source(ConfigurableApplicationContext app) {
		return app.getBean(PollableMessageSource.class);
	}

	private static AcknowledgmentCallback callback(Message<?> message) {
		return StaticMessageHeaderAccessor.getAcknowledgmentCallback(message);
	}

	private static MessageHandler orderIds(List<String> handled) {
		return (message) -> handled.add(((Order) message.getPayload()).orderId());
	}

	/**
	 * Polls (on the test's thread) until a message reached the handler.
	 */
	private static void pollUntilHandled(PollableMessageSource source, MessageHandler handler) {
		await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ofMillis(20))
			.until(() -> source.poll(handler, ORDER));
	}

	private static List<String> add(String stream, Order... orders) {
		List<String> ids = new ArrayList<>();
		for (Order order : orders) {
			ids.add(redis.xadd(stream, "payload", order.toJson()));
		}
		return ids;
	}

	private static List<PendingMessage> pending(String stream) {
		return redis.xpending(stream, GROUP, Range.create("-", "+"), Limit.from(100));
	}

	private static List<StreamMessage<String, String>> deadLetters(String stream) {
		return redis.xrange(StreamKeys.deadLetterStream(stream, GROUP), Range.create("-", "+"));
	}

	private static double count(MeterRegistry meters, String name) {
		return meters.get("spring.cloud.stream.binder.redis." + name).tag("binding", BINDING).counter().count();
	}

	private static void cleanUp(String stream) {
		redis.del(stream, StreamKeys.deadLetterStream(stream, GROUP));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class PollingApp {

	}

}
