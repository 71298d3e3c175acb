package io.github.redisstreams.binder.conformance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.stream.binder.Binding;
import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.cloud.stream.binder.ExtendedProducerProperties;
import org.springframework.cloud.stream.binder.RequeueCurrentMessageException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.integration.StaticMessageHeaderAccessor;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHeaders;
import org.springframework.util.MimeTypeUtils;

import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisBinderHarness.BoundChannel;
import io.github.redisstreams.binder.test.RedisBinderHarness.PolledSource;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every Spring Cloud Stream binder must do, checked on the Redis binder through channels bound
 * directly with the binder, against a real Redis: delivery through consumer groups, headers, groups
 * and anonymous subscribers, concurrency, failures, clean shutdown, partitioning and pollable consumers. One application
 * serves the whole class; every test works on streams of its own.
 */
class BinderConformanceTests {

	private static final String INSTANCE_ID = "conformance";

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	/** In every key of this class, so that all of them can be deleted at the end. */
	private static final String KEY_MARKER = RedisTestSupport.uniqueName("conformance");

	private static RedisBinderHarness harness;

	private static StreamInspector redis;

	@BeforeAll
	static void startApplication() {
		redis = StreamInspector.connect();
		harness = RedisBinderHarness.start("--spring.cloud.stream.redis.binder.instance-id=" + INSTANCE_ID);
	}

	@AfterAll
	static void stopApplication() {
		try {
			if (harness != null) {
				harness.close();
			}
		}
		finally {
			redis.deleteKeysContaining(KEY_MARKER);
			redis.close();
		}
	}

	@Test
	void sendsThroughAStreamAndReceivesThroughAConsumerGroup() {
		String destination = destination("basic");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		Received received = new Received();
		consume(destination, "readers", consumerProperties(destination), received);

		output.channel().send(MessageBuilder.withPayload(bytes("hello")).setHeader("origin", "test").build());

		await().atMost(TIMEOUT).until(() -> received.count() == 1);
		List<StreamMessage<String, String>> entries = redis.entries(destination);
		assertThat(entries).hasSize(1);
		StreamMessage<String, String> entry = entries.get(0);
		assertThat(entry.getBody()).containsEntry(EntryCodec.PAYLOAD_FIELD, "hello").containsEntry("origin", "test");
		Message<byte[]> message = received.messages().get(0);
		assertThat(new String(message.getPayload(), StandardCharsets.UTF_8)).isEqualTo("hello");
		assertThat(message.getHeaders()).containsEntry("origin", "test")
			.containsEntry(RedisStreamHeaders.STREAM, destination)
			.containsEntry(RedisStreamHeaders.GROUP, "readers")
			.containsEntry(RedisStreamHeaders.ENTRY_ID, entry.getId());
		assertThat(redis.groups(destination)).containsOnlyKeys("readers");
		await().atMost(TIMEOUT).until(() -> redis.pending(destination, "readers").isEmpty());
		assertThat(redis.groups(destination).get("readers")).containsEntry("last-delivered-id", entry.getId());
	}

	@Test
	void roundTripsHeadersWithTheirTypesAndNeverWritesDeliveryHeaders() {
		String destination = destination("headers");
		String forwarded = destination("headers-forwarded");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		BoundChannel forwardOutput = harness.bindProducer(forwarded, producerProperties(forwarded));
		Received received = new Received();
		consume(destination, "readers", consumerProperties(destination), received);
		UUID uuid = UUID.randomUUID();
		byte[] binary = { 0, 1, (byte) 0xfe, (byte) 0xff };

		output.channel()
			.send(MessageBuilder.withPayload(bytes("{\"orderId\":\"1\"}"))
				.setHeader("text", "plain text")
				.setHeader("int", 42)
				.setHeader("long", 1L << 40)
				.setHeader("bool", true)
				.setHeader("uuid", uuid)
				.setHeader("binary", binary)
				.setHeader(MessageHeaders.CONTENT_TYPE, MimeTypeUtils.APPLICATION_JSON)
				.setHeader(RedisStreamHeaders.STREAM, "forged-by-the-application")
				.build());

		await().atMost(TIMEOUT).until(() -> received.count() == 1);
		Message<byte[]> message = received.messages().get(0);
		MessageHeaders headers = message.getHeaders();
		assertThat(headers.get("text")).isEqualTo("plain text");
		assertThat(headers.get("int")).isInstanceOf(Integer.class).isEqualTo(42);
		assertThat(headers.get("long")).isInstanceOf(Long.class).isEqualTo(1L << 40);
		assertThat(headers.get("bool")).isInstanceOf(Boolean.class).isEqualTo(true);
		assertThat(headers.get("uuid")).isInstanceOf(UUID.class).isEqualTo(uuid);
		assertThat(headers.get("binary")).isInstanceOf(byte[].class).isEqualTo(binary);
		assertThat(String.valueOf(headers.get(MessageHeaders.CONTENT_TYPE))).isEqualTo("application/json");
		String entryId = redis.entries(destination).get(0).getId();
		assertThat(headers).containsEntry(RedisStreamHeaders.STREAM, destination)
			.containsEntry(RedisStreamHeaders.ENTRY_ID, entryId)
			.containsEntry(RedisStreamHeaders.GROUP, "readers")
			.containsEntry(RedisStreamHeaders.CONSUMER, INSTANCE_ID + "-0")
			.containsEntry(RedisStreamHeaders.DELIVERY_COUNT, 1);
		Map<String, String> written = redis.entries(destination).get(0).getBody();
		assertThat(written).containsKey(EntryCodec.HEADER_TYPES_FIELD)
			.doesNotContainKeys(MessageHeaders.ID, MessageHeaders.TIMESTAMP);
		assertThat(written.keySet()).noneMatch((field) -> field.startsWith(RedisStreamHeaders.PREFIX));

		// a processor passes the delivered message on, delivery headers and all
		forwardOutput.channel().send(message);

		await().atMost(TIMEOUT).until(() -> redis.length(forwarded) == 1);
		Map<String, String> forwardedFields = redis.entries(forwarded).get(0).getBody();
		assertThat(forwardedFields.keySet()).noneMatch((field) -> field.startsWith(RedisStreamHeaders.PREFIX));
		assertThat(forwardedFields).containsEntry("text", "plain text").containsEntry("int", "42")
			.containsEntry(MessageHeaders.CONTENT_TYPE, "application/json");
	}

	@Test
	void competingConsumersOfOneGroupShareTheMessages() {
		String destination = destination("competing");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		// each consumer holds its first message until the other one has one too: so both must get a
		// share while the other is busy, whatever the timing of the reads
		CountDownLatch bothReceived = new CountDownLatch(2);
		Received first = new Received(heldUntilOthersStarted(bothReceived));
		Received second = new Received(heldUntilOthersStarted(bothReceived));
		ExtendedConsumerProperties<RedisConsumerProperties> firstProperties = consumerProperties(destination + "-a");
		firstProperties.getExtension().setReadCount(2);
		ExtendedConsumerProperties<RedisConsumerProperties> secondProperties = consumerProperties(destination + "-b");
		secondProperties.getExtension().setReadCount(2);
		consume(destination, "workers", firstProperties, first);
		consume(destination, "workers", secondProperties, second);

		List<String> sent = sendNumbered(output, 40);

		await().atMost(TIMEOUT).until(() -> first.count() + second.count() >= 40);
		assertThat(first.count()).isPositive();
		assertThat(second.count()).isPositive();
		List<String> all = new ArrayList<>(first.payloads());
		all.addAll(second.payloads());
		assertThat(all).containsExactlyInAnyOrderElementsOf(sent);
		assertThat(first.messages()).allSatisfy((message) -> assertThat(message.getHeaders())
			.containsEntry(RedisStreamHeaders.CONSUMER, INSTANCE_ID + "-0"));
		assertThat(second.messages()).allSatisfy((message) -> assertThat(message.getHeaders())
			.containsEntry(RedisStreamHeaders.CONSUMER, INSTANCE_ID + "-1"));
		await().atMost(TIMEOUT).until(() -> redis.pending(destination, "workers").isEmpty());
	}

	@Test
	void everyGroupGetsEveryMessage() {
		String destination = destination("two-groups");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		Received billing = new Received();
		Received shipping = new Received();
		consume(destination, "billing", consumerProperties(destination + "-billing"), billing);
		consume(destination, "shipping", consumerProperties(destination + "-shipping"), shipping);

		List<String> sent = sendNumbered(output, 10);

		await().atMost(TIMEOUT).until(() -> billing.count() >= 10 && shipping.count() >= 10);
		assertThat(billing.payloads()).containsExactlyElementsOf(sent);
		assertThat(shipping.payloads()).containsExactlyElementsOf(sent);
		assertThat(redis.groups(destination)).containsOnlyKeys("billing", "shipping");
	}

	@Test
	void anonymousConsumerGetsOnlyNewMessagesAndItsGroupIsRemovedOnUnbind() {
		String destination = destination("anonymous");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		output.channel().send(MessageBuilder.withPayload(bytes("before")).build());
		await().atMost(TIMEOUT).until(() -> redis.length(destination) == 1);

		Received received = new Received();
		Binding<MessageChannel> binding = consume(destination, null, consumerProperties(destination), received);
		assertThat(redis.groups(destination).keySet()).singleElement()
			.satisfies((group) -> assertThat(group).startsWith(StreamKeys.ANONYMOUS_GROUP_PREFIX));
		output.channel().send(MessageBuilder.withPayload(bytes("after")).build());

		// entries are delivered in order: had the group started before "before", it would come first
		await().atMost(TIMEOUT).until(() -> received.payloads().contains("after"));
		assertThat(received.payloads()).containsExactly("after");
		assertThat((String) received.messages().get(0).getHeaders().get(RedisStreamHeaders.GROUP))
			.startsWith(StreamKeys.ANONYMOUS_GROUP_PREFIX);

		harness.unbind(binding);

		assertThat(redis.groups(destination)).isEmpty();
	}

	/**
	 * The anonymous group vanishes (Redis restarted empty, the group was destroyed) before the binding saw any
	 * entry. Re-created at 0, it would replay the whole stream to a binding that asked for new messages only.
	 */
	@Test
	void anonymousGroupCreatedAgainBeforeItSawAnythingStartsWhereTheBindingStarted() {
		String destination = destination("anonymous-again");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		output.channel().send(MessageBuilder.withPayload(bytes("old")).build());
		await().atMost(TIMEOUT).until(() -> redis.length(destination) == 1);

		Received received = new Received();
		Binding<MessageChannel> binding = consume(destination, null, consumerProperties(destination), received);
		String group = redis.groups(destination).keySet().iterator().next();
		redis.redis().xgroupDestroy(destination, group);
		output.channel().send(MessageBuilder.withPayload(bytes("new")).build());

		await().atMost(TIMEOUT).until(() -> received.payloads().contains("new"));
		assertThat(received.payloads()).containsExactly("new");
		harness.unbind(binding);
	}

	@Test
	void concurrencyRunsSeveralConsumersOfTheGroupAtTheSameTime() {
		String destination = destination("concurrency");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		// the first three invocations wait for each other: they can only all finish if they overlap
		CountDownLatch threeAtOnce = new CountDownLatch(3);
		AtomicInteger running = new AtomicInteger();
		AtomicInteger mostAtOnce = new AtomicInteger();
		Received received = new Received((message) -> {
			mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
			try {
				threeAtOnce.countDown();
				awaitQuietly(threeAtOnce);
			}
			finally {
				running.decrementAndGet();
			}
		});
		ExtendedConsumerProperties<RedisConsumerProperties> properties = consumerProperties(destination);
		properties.setConcurrency(3);
		properties.getExtension().setReadCount(1);
		consume(destination, "parallel", properties, received);
		await().atMost(TIMEOUT).until(() -> redis.consumers(destination, "parallel").size() == 3);
		assertThat(redis.consumers(destination, "parallel")).containsExactlyInAnyOrder(INSTANCE_ID + "-0",
				INSTANCE_ID + "-1", INSTANCE_ID + "-2");

		List<String> sent = sendNumbered(output, 9);

		await().atMost(TIMEOUT).until(() -> received.count() >= 9);
		assertThat(received.payloads()).containsExactlyInAnyOrderElementsOf(sent);
		assertThat(mostAtOnce.get()).isEqualTo(3);
		assertThat(received.messages().stream().map((message) -> message.getHeaders().get(RedisStreamHeaders.CONSUMER)))
			.containsOnly(INSTANCE_ID + "-0", INSTANCE_ID + "-1", INSTANCE_ID + "-2");
		await().atMost(TIMEOUT).until(() -> redis.pending(destination, "parallel").isEmpty());
	}

	@Test
	void failedHandlerLeavesTheEntryPendingAfterTheInProcessRetries() {
		String destination = destination("failing");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
		Map<String, String> entryIds = new ConcurrentHashMap<>();
		Received received = new Received((message) -> {
			String payload = new String(message.getPayload(), StandardCharsets.UTF_8);
			attempts.computeIfAbsent(payload, (key) -> new AtomicInteger()).incrementAndGet();
			entryIds.put(payload, (String) message.getHeaders().get(RedisStreamHeaders.ENTRY_ID));
			if (payload.equals("poison")) {
				throw new IllegalStateException("cannot process " + payload);
			}
		});
		ExtendedConsumerProperties<RedisConsumerProperties> properties = consumerProperties(destination);
		properties.setMaxAttempts(3);
		properties.setBackOffInitialInterval(10);
		properties.setBackOffMaxInterval(10);
		properties.setBackOffMultiplier(1.0);
		consume(destination, "fragile", properties, received);

		for (String payload : List.of("ok-1", "poison", "ok-2")) {
			output.channel().send(MessageBuilder.withPayload(bytes(payload)).build());
		}

		// ok-2 comes after the poison entry, so the poison entry is settled once ok-2 is acknowledged
		await().atMost(TIMEOUT)
			.until(() -> entryIds.containsKey("ok-2") && Collections.disjoint(redis.pendingIds(destination, "fragile"),
					List.of(entryIds.get("ok-1"), entryIds.get("ok-2"))));
		assertThat(attempts.get("poison")).hasValue(3);
		assertThat(attempts.get("ok-1")).hasValue(1);
		assertThat(attempts.get("ok-2")).hasValue(1);
		assertThat(redis.pending(destination, "fragile")).singleElement().satisfies((pending) -> {
			assertThat(pending.getId()).isEqualTo(entryIds.get("poison"));
			assertThat(pending.getConsumer()).isEqualTo(INSTANCE_ID + "-0");
			assertThat(pending.getRedeliveryCount()).isEqualTo(1);
		});
		assertThat(redis.exists(StreamKeys.deadLetterStream(destination, "fragile"))).isFalse();
	}

	@Test
	void unbindingFinishesAndAcknowledgesTheCurrentWorkAndARestartResumesWithoutDuplicates() {
		String destination = destination("shutdown");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		List<String> sent = sendNumbered(output, 30);
		await().atMost(TIMEOUT).until(() -> redis.length(destination) == 30);
		Map<String, String> completed = new ConcurrentHashMap<>();
		List<String> processed = Collections.synchronizedList(new ArrayList<>());
		CountDownLatch blocked = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger invocations = new AtomicInteger();
		Received received = new Received((message) -> {
			if (invocations.incrementAndGet() == 8) {
				// the 8th message, in the middle of the second batch, is still in the handler when
				// the binding is told to stop
				blocked.countDown();
				awaitQuietly(release);
			}
			String payload = new String(message.getPayload(), StandardCharsets.UTF_8);
			processed.add(payload);
			completed.put((String) message.getHeaders().get(RedisStreamHeaders.ENTRY_ID), payload);
		});
		ExtendedConsumerProperties<RedisConsumerProperties> properties = consumerProperties(destination + "-1");
		properties.getExtension().setReadCount(5);
		Binding<MessageChannel> binding = consume(destination, "careful", properties, received);
		await().atMost(TIMEOUT).until(() -> blocked.getCount() == 0);

		CompletableFuture<Void> unbinding = CompletableFuture.runAsync(() -> harness.unbind(binding));
		// the binding leaves the registry as soon as it starts stopping
		await().atMost(TIMEOUT)
			.until(() -> harness.bindingRegistry().consumers().stream()
				.noneMatch((view) -> view.stream().equals(destination)));
		release.countDown();
		await().atMost(Duration.ofSeconds(40)).until(unbinding::isDone);

		assertThat(unbinding).isCompleted();
		assertThat(processed).hasSizeGreaterThanOrEqualTo(8).hasSizeLessThan(30);
		assertThat(redis.pendingIds(destination, "careful")).doesNotContainAnyElementsOf(completed.keySet());

		ExtendedConsumerProperties<RedisConsumerProperties> restarted = consumerProperties(destination + "-2");
		// whatever the first run left pending is taken over quickly
		restarted.getExtension().setClaimIdleTime(Duration.ofMillis(500));
		restarted.getExtension().setClaimInterval(Duration.ofMillis(200));
		consume(destination, "careful", restarted, received);

		await().atMost(TIMEOUT).until(() -> processed.size() >= 30);
		assertThat(processed).containsExactlyInAnyOrderElementsOf(sent);
		await().atMost(TIMEOUT).until(() -> redis.pending(destination, "careful").isEmpty());
		assertThat(processed).hasSize(30);
	}

	@Test
	void partitionedProducerWritesOneStreamPerPartitionAndEachInstanceReadsItsOwn() {
		String destination = destination("partitioned");
		ExtendedProducerProperties<RedisProducerProperties> producerProperties = producerProperties(destination);
		producerProperties.setPartitionCount(2);
		producerProperties.setPartitionKeyExpression(new SpelExpressionParser().parseExpression("headers['part']"));
		BoundChannel output = harness.bindProducer(destination, producerProperties);
		List<Received> instances = new ArrayList<>();
		for (int index = 0; index < 2; index++) {
			ExtendedConsumerProperties<RedisConsumerProperties> properties = consumerProperties(
					destination + "-instance-" + index);
			properties.setPartitioned(true);
			properties.setInstanceCount(2);
			properties.setInstanceIndex(index);
			Received received = new Received();
			consume(destination, "partitioned", properties, received);
			instances.add(received);
		}

		List<String> even = new ArrayList<>();
		List<String> odd = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			String payload = "message-" + i;
			output.channel().send(MessageBuilder.withPayload(bytes(payload)).setHeader("part", i % 2).build());
			((i % 2 == 0) ? even : odd).add(payload);
		}

		await().atMost(TIMEOUT).until(() -> instances.get(0).count() >= 5 && instances.get(1).count() >= 5);
		assertThat(redis.length(destination + "-0")).isEqualTo(5);
		assertThat(redis.length(destination + "-1")).isEqualTo(5);
		assertThat(redis.exists(destination)).isFalse();
		// the core's partition header is internal: it is not written to the entries
		assertThat(redis.entries(destination + "-0")).allSatisfy((entry) -> assertThat(entry.getBody())
			.containsKey("part")
			.doesNotContainKey("scst_partition"));
		assertThat(instances.get(0).payloads()).containsExactlyElementsOf(even);
		assertThat(instances.get(1).payloads()).containsExactlyElementsOf(odd);
		assertThat(instances.get(0).messages())
			.allSatisfy((message) -> assertThat(message.getHeaders()).containsEntry(RedisStreamHeaders.STREAM,
					destination + "-0"));
		assertThat(instances.get(1).messages())
			.allSatisfy((message) -> assertThat(message.getHeaders()).containsEntry(RedisStreamHeaders.STREAM,
					destination + "-1"));
	}

	// --- pollable consumers, as Spring Cloud Stream's binders test them (Kafka's and RabbitMQ's polledConsumer*) ---

	@Test
	void polledConsumerReceivesWhatAProducerSentAndAcknowledgesIt() {
		String destination = destination("polled");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		PolledSource polled = harness.bindPollableConsumer(destination, "pollers", consumerProperties(destination));
		output.channel().send(MessageBuilder.withPayload(bytes("testPollable")).setHeader("origin", "test").build());
		await().atMost(TIMEOUT).until(() -> redis.length(destination) == 1);

		List<Message<?>> received = new CopyOnWriteArrayList<>();
		await().atMost(TIMEOUT).pollInSameThread().until(() -> polled.source().poll(received::add));

		assertThat(received).singleElement().satisfies((message) -> {
			assertThat(new String((byte[]) message.getPayload(), StandardCharsets.UTF_8)).isEqualTo("testPollable");
			assertThat(message.getHeaders()).containsEntry("origin", "test")
				.containsEntry(RedisStreamHeaders.STREAM, destination)
				.containsEntry(RedisStreamHeaders.GROUP, "pollers")
				.containsEntry(RedisStreamHeaders.CONSUMER, INSTANCE_ID + "-0")
				.containsEntry(RedisStreamHeaders.ENTRY_ID, redis.entries(destination).get(0).getId());
			assertThat(StaticMessageHeaderAccessor.getAcknowledgmentCallback(message).isAcknowledged()).isTrue();
		});
		await().atMost(TIMEOUT).until(() -> redis.pending(destination, "pollers").isEmpty());
		assertThat(polled.source().poll((message) -> {
		})).isFalse();
		assertThat(harness.bindingRegistry().consumers()).anySatisfy((view) -> assertThat(view.stream())
			.isEqualTo(destination));

		harness.unbind(polled.binding());

		assertThat(harness.bindingRegistry().consumers()).noneMatch((view) -> view.stream().equals(destination));
		assertThat(redis.groups(destination)).containsOnlyKeys("pollers");
		// the consumer name was given back: bound again, the binding reads under the same name
		PolledSource again = harness.bindPollableConsumer(destination, "pollers", consumerProperties(destination));
		output.channel().send(MessageBuilder.withPayload(bytes("again")).build());
		List<Message<?>> later = new CopyOnWriteArrayList<>();
		await().atMost(TIMEOUT).pollInSameThread().until(() -> again.source().poll(later::add));
		assertThat(later).singleElement()
			.satisfies((message) -> assertThat(message.getHeaders()).containsEntry(RedisStreamHeaders.CONSUMER,
					INSTANCE_ID + "-0"));
		harness.unbind(again.binding());
	}

	@Test
	void polledConsumerDeadLettersAFailureOfTheLastDeliveryAfterTheRetries() {
		String destination = destination("polled-dlq");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		ExtendedConsumerProperties<RedisConsumerProperties> properties = consumerProperties(destination);
		properties.setMaxAttempts(2);
		properties.setBackOffInitialInterval(1);
		properties.getExtension().setMaxDeliveries(1);
		PolledSource polled = harness.bindPollableConsumer(destination, "pollers", properties);
		output.channel().send(MessageBuilder.withPayload(bytes("testPollable")).build());
		AtomicInteger attempts = new AtomicInteger();

		await().atMost(TIMEOUT).pollInSameThread().until(() -> polled.source().poll((message) -> {
			attempts.incrementAndGet();
			throw new IllegalStateException("test DLQ");
		}));

		assertThat(attempts).hasValue(2);
		List<StreamMessage<String, String>> deadLetters = redis
			.entries(StreamKeys.deadLetterStream(destination, "pollers"));
		assertThat(deadLetters).singleElement().satisfies((deadLetter) -> assertThat(deadLetter.getBody())
			.containsEntry(EntryCodec.PAYLOAD_FIELD, "testPollable")
			.containsEntry("x-exception-fqcn", IllegalStateException.class.getName())
			.containsEntry("x-exception-message", "test DLQ"));
		assertThat(redis.pending(destination, "pollers")).isEmpty();
		harness.unbind(polled.binding());
	}

	@Test
	void polledConsumerWithoutRetriesDeadLettersTheFailureOfTheLastDelivery() {
		String destination = destination("polled-dlq-no-retry");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		ExtendedConsumerProperties<RedisConsumerProperties> properties = consumerProperties(destination);
		properties.setMaxAttempts(1);
		properties.getExtension().setMaxDeliveries(1);
		PolledSource polled = harness.bindPollableConsumer(destination, "pollers", properties);
		output.channel().send(MessageBuilder.withPayload(bytes("testPollable")).build());

		await().atMost(TIMEOUT).pollInSameThread().until(() -> polled.source().poll((message) -> {
			throw new IllegalStateException("test DLQ");
		}));

		assertThat(redis.entries(StreamKeys.deadLetterStream(destination, "pollers"))).singleElement()
			.satisfies((deadLetter) -> assertThat(deadLetter.getBody()).containsEntry("x-exception-message",
					"test DLQ"));
		assertThat(redis.pending(destination, "pollers")).isEmpty();
		harness.unbind(polled.binding());
	}

	@Test
	void polledConsumerRequeuesOnRequeueCurrentMessageException() {
		String destination = destination("polled-requeue");
		BoundChannel output = harness.bindProducer(destination, producerProperties(destination));
		ExtendedConsumerProperties<RedisConsumerProperties> properties = consumerProperties(destination);
		properties.setMaxAttempts(1);
		PolledSource polled = harness.bindPollableConsumer(destination, "pollers", properties);
		output.channel().send(MessageBuilder.withPayload(bytes("testPollable")).build());
		List<Object> deliveries = new CopyOnWriteArrayList<>();

		await().atMost(TIMEOUT).pollInSameThread().until(() -> polled.source().poll((message) -> {
			deliveries.add(message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT));
			throw new RequeueCurrentMessageException("not now");
		}));
		assertThat(redis.pending(destination, "pollers")).singleElement()
			.satisfies((pending) -> assertThat(pending.getRedeliveryCount()).isEqualTo(1));
		await().atMost(TIMEOUT).pollInSameThread().until(() -> polled.source().poll((message) -> {
			deliveries.add(message.getHeaders().get(RedisStreamHeaders.DELIVERY_COUNT));
		}));

		assertThat(deliveries).containsExactly(1, 2);
		await().atMost(TIMEOUT).until(() -> redis.pending(destination, "pollers").isEmpty());
		assertThat(redis.exists(StreamKeys.deadLetterStream(destination, "pollers"))).isFalse();
		harness.unbind(polled.binding());
	}

	// --- helpers --------------------------------------------------------------------------------

	private static String destination(String name) {
		return RedisTestSupport.uniqueName(KEY_MARKER + "-" + name);
	}

	private static ExtendedConsumerProperties<RedisConsumerProperties> consumerProperties(String bindingPrefix) {
		return harness.consumerProperties(bindingPrefix + "-in");
	}

	private static ExtendedProducerProperties<RedisProducerProperties> producerProperties(String bindingPrefix) {
		return harness.producerProperties(bindingPrefix + "-out");
	}

	private static Binding<MessageChannel> consume(String destination, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties, Received handler) {
		BoundChannel input = harness.bindConsumer(destination, group, properties);
		input.channel().subscribe(handler::handle);
		return input.binding();
	}

	private static List<String> sendNumbered(BoundChannel output, int count) {
		List<String> sent = IntStream.range(0, count).mapToObj((i) -> "message-" + i).toList();
		for (String payload : sent) {
			output.channel().send(MessageBuilder.withPayload(bytes(payload)).build());
		}
		return sent;
	}

	private static Consumer<Message<byte[]>> heldUntilOthersStarted(CountDownLatch started) {
		Set<Thread> seen = ConcurrentHashMap.newKeySet();
		return (message) -> {
			if (seen.add(Thread.currentThread())) {
				started.countDown();
				awaitQuietly(started);
			}
		};
	}

	/**
	 * Waits inside a handler, bounded so that a broken binder fails the test instead of hanging it.
	 */
	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Collects the messages a consumer binding delivers, after running an optional behaviour on each.
	 */
	static final class Received {

		private final List<Message<byte[]>> messages = new CopyOnWriteArrayList<>();

		private final Consumer<Message<byte[]>> behaviour;

		Received() {
			this((message) -> {
			});
		}

		Received(Consumer<Message<byte[]>> behaviour) {
			this.behaviour = behaviour;
		}

		@SuppressWarnings("unchecked")
		void handle(Message<?> message) {
			this.behaviour.accept((Message<byte[]>) message);
			this.messages.add((Message<byte[]>) message);
		}

		List<Message<byte[]>> messages() {
			return List.copyOf(this.messages);
		}

		int count() {
			return this.messages.size();
		}

		List<String> payloads() {
			return this.messages.stream().map((message) -> new String(message.getPayload(), StandardCharsets.UTF_8))
				.toList();
		}

	}

}
