package io.github.redisstreams.binder.conformance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.stream.binder.ExtendedProducerProperties;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.SubscribableChannel;
import org.springframework.messaging.support.ErrorMessage;

import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisBinderHarness.BoundChannel;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The binder when Redis goes away: on a Redis process of the test's own, killed like a crash and
 * started again empty (no persistence), consumers survive and resume, and producers report the
 * failure to the sender or to the binding's error channel.
 */
class RedisOutageConformanceTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static RedisServerProcess server;

	private static RedisBinderHarness harness;

	@BeforeAll
	static void startRedisAndApplication() {
		server = RedisServerProcess.startOnFreePort();
		// a short command timeout, so that commands sent while Redis is down fail quickly
		harness = RedisBinderHarness.startOn(server.url(), "--spring.data.redis.timeout=2s");
	}

	@AfterAll
	static void stopApplicationAndRedis() {
		try {
			if (!server.isRunning()) {
				server.start();
			}
			harness.close();
		}
		finally {
			server.close();
		}
	}

	@AfterEach
	void redisIsBack() {
		if (!server.isRunning()) {
			server.start();
		}
	}

	@Test
	void consumerSurvivesARedisCrashAndConsumesAfterRedisIsBack() {
		String destination = RedisTestSupport.uniqueName("outage");
		BoundChannel output = harness.bindProducer(destination, harness.producerProperties(destination + "-out"));
		List<String> received = new CopyOnWriteArrayList<>();
		BoundChannel input = harness.bindConsumer(destination, "survivors",
				harness.consumerProperties(destination + "-in"));
		input.channel().subscribe((message) -> received.add(text(message)));
		ConsumerBindingView binding = harness.bindingRegistry().consumers().stream()
			.filter((view) -> view.stream().equals(destination))
			.findFirst()
			.orElseThrow();
		output.channel().send(bytesMessage("before the crash"));
		await().atMost(TIMEOUT).until(() -> received.contains("before the crash"));

		server.kill();
		await().atMost(TIMEOUT).until(() -> binding.consumersInOutage() == 1);
		server.start();
		output.channel().send(bytesMessage("after the restart"));

		await().atMost(TIMEOUT).until(() -> received.contains("after the restart"));
		assertThat(received).containsExactly("before the crash", "after the restart");
		assertThat(binding.liveConsumers()).isEqualTo(1);
		await().atMost(TIMEOUT).until(() -> binding.consumersInOutage() == 0);
		try (StreamInspector redis = StreamInspector.connect(server.url())) {
			// the restarted Redis is empty: the binder created the group again
			assertThat(redis.groups(destination)).containsKey("survivors");
			await().atMost(TIMEOUT).until(() -> redis.pending(destination, "survivors").isEmpty());
		}
	}

	@Test
	void syncProducerFailsTheSendWhenRedisIsDown() {
		String destination = RedisTestSupport.uniqueName("sync-down");
		ExtendedProducerProperties<RedisProducerProperties> properties = harness
			.producerProperties(destination + "-out");
		properties.getExtension().setSync(true);
		properties.getExtension().setSendTimeout(Duration.ofMillis(500));
		BoundChannel output = harness.bindProducer(destination, properties);
		assertThatCode(() -> output.channel().send(bytesMessage("while up"))).doesNotThrowAnyException();

		server.kill();

		assertThatThrownBy(() -> output.channel().send(bytesMessage("while down")))
			.isInstanceOf(MessagingException.class)
			.hasMessageContaining(destination);
	}

	@Test
	void asyncProducerReportsTheFailureToTheBindingsErrorChannelWhenRedisIsDown() {
		String destination = RedisTestSupport.uniqueName("async-down");
		String bindingName = destination + "-out";
		ExtendedProducerProperties<RedisProducerProperties> properties = harness.producerProperties(bindingName);
		properties.setErrorChannelEnabled(true);
		BoundChannel output = harness.bindProducer(destination, properties);
		List<ErrorMessage> errors = new CopyOnWriteArrayList<>();
		errorChannelOf(bindingName).subscribe((message) -> errors.add((ErrorMessage) message));

		server.kill();

		assertThatCode(() -> output.channel().send(bytesMessage("while down"))).doesNotThrowAnyException();
		await().atMost(TIMEOUT).until(() -> !errors.isEmpty());
		ErrorMessage error = errors.get(0);
		assertThat(error.getPayload()).isInstanceOf(MessagingException.class);
		Message<?> failed = ((MessagingException) error.getPayload()).getFailedMessage();
		assertThat(failed).isNotNull();
		assertThat(text(failed)).isEqualTo("while down");
	}

	@Test
	void syncSendThatFailedIsNotWrittenWhenRedisComesBack() {
		// a command timeout longer than the outage, as with the default of 60 s: only send-timeout fails the send
		try (RedisBinderHarness patient = RedisBinderHarness.startOn(server.url(), "--spring.data.redis.timeout=20s")) {
			String destination = RedisTestSupport.uniqueName("sync-ghost");
			ExtendedProducerProperties<RedisProducerProperties> properties = patient
				.producerProperties(destination + "-out");
			properties.getExtension().setSync(true);
			properties.getExtension().setSendTimeout(Duration.ofMillis(500));
			BoundChannel output = patient.bindProducer(destination, properties);
			output.channel().send(bytesMessage("while up"));

			server.kill();
			assertThatThrownBy(() -> output.channel().send(bytesMessage("reported as failed")))
				.isInstanceOf(MessagingException.class);
			server.start();

			// commands are written in order: once a later send went through, an earlier one would be there
			await().atMost(TIMEOUT)
				.ignoreExceptions()
				.until(() -> output.channel().send(bytesMessage("after the restart")));
			try (StreamInspector redis = StreamInspector.connect(server.url())) {
				List<String> payloads = redis.entries(destination).stream()
					.map((entry) -> entry.getBody().get("payload"))
					.toList();
				assertThat(payloads).contains("after the restart").doesNotContain("reported as failed");
			}
		}
	}

	@Test
	void unbindingWhileRedisIsDownReturnsPromptly() {
		// the default command timeout of 60 s, as most applications run
		try (RedisBinderHarness defaults = RedisBinderHarness.startOn(server.url())) {
			String destination = RedisTestSupport.uniqueName("stop-while-down");
			BoundChannel input = defaults.bindConsumer(destination, "stoppers",
					defaults.consumerProperties(destination + "-in"));
			input.channel().subscribe((message) -> {
			});
			try (StreamInspector redis = StreamInspector.connect(server.url())) {
				// the consumer is reading: its connection is open and it blocks in XREADGROUP most of the time
				await().atMost(TIMEOUT).until(() -> !redis.consumers(destination, "stoppers").isEmpty());
			}

			server.kill();
			CompletableFuture<Void> unbinding = CompletableFuture.runAsync(() -> defaults.unbind(input.binding()));

			// block-timeout is 150 ms: "a stopping binding waits at most this long for its readers to return"
			await().atMost(Duration.ofSeconds(10)).until(unbinding::isDone);
		}
	}

	private static SubscribableChannel errorChannelOf(String bindingName) {
		// the binder registers the error channels of its bindings in the application context
		Map<String, SubscribableChannel> channels = harness.context().getBeansOfType(SubscribableChannel.class);
		return channels.entrySet().stream()
			.filter((entry) -> entry.getKey().endsWith("." + bindingName + ".errors"))
			.map(Map.Entry::getValue)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No error channel for " + bindingName + " in " + channels.keySet()));
	}

	private static Message<byte[]> bytesMessage(String text) {
		return MessageBuilder.withPayload(text.getBytes(StandardCharsets.UTF_8)).build();
	}

	private static String text(Message<?> message) {
		return new String((byte[]) message.getPayload(), StandardCharsets.UTF_8);
	}

}
