package io.github.redisstreams.binder.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.exporter.FinishedSpan;
import io.micrometer.tracing.exporter.SpanReporter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With observation enabled, a trace started before a send continues through the stream into the
 * consumer, across a function that forwards to a second stream: the trace context travels in the
 * entries' {@code traceparent} fields (Brave with W3C propagation, spans collected in memory).
 */
class TracingTests {

	static RedisClient client;

	static StatefulRedisConnection<String, String> redis;

	@BeforeAll
	static void connect() {
		client = RedisTestSupport.client();
		redis = client.connect();
	}

	@AfterAll
	static void disconnect() {
		redis.close();
		client.shutdown();
	}

	@Test
	void traceContinuesFromProducerThroughFunctionToConsumer() {
		String orders = RedisTestSupport.uniqueName("traced-orders");
		String confirmations = RedisTestSupport.uniqueName("traced-confirmations");
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TracedApp.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
					"--spring.cloud.function.definition=confirm;record",
					"--spring.cloud.stream.bindings.confirm-in-0.destination=" + orders,
					"--spring.cloud.stream.bindings.confirm-in-0.group=confirmer",
					"--spring.cloud.stream.bindings.confirm-out-0.destination=" + confirmations,
					"--spring.cloud.stream.bindings.record-in-0.destination=" + confirmations,
					"--spring.cloud.stream.bindings.record-in-0.group=recorder",
					"--spring.cloud.stream.redis.default.consumer.block-timeout=200ms",
					"--spring.cloud.stream.redis.binder.enable-observation=true",
					"--management.tracing.sampling.probability=1.0")) {
			TracedApp app = context.getBean(TracedApp.class);
			ObservationRegistry observations = context.getBean(ObservationRegistry.class);
			Tracer tracer = context.getBean(Tracer.class);
			StreamBridge bridge = context.getBean(StreamBridge.class);

			Observation request = Observation.createNotStarted("test.request", observations).start();
			String traceId;
			try (Observation.Scope scope = request.openScope()) {
				traceId = tracer.currentSpan().context().traceId();
				bridge.send(orders, "order-1");
			}
			finally {
				request.stop();
			}

			await().atMost(Duration.ofSeconds(15)).until(() -> app.recorded.size() == 1);
			assertThat(app.recorded.get(0)).isEqualTo("confirmed order-1");
			assertThat(app.traceIds).containsExactly(traceId);

			FinishedSpan firstSend = await().atMost(Duration.ofSeconds(10))
				.until(() -> find(app.spans, Span.Kind.PRODUCER, orders), (span) -> span != null);
			FinishedSpan firstReceive = await().atMost(Duration.ofSeconds(10))
				.until(() -> find(app.spans, Span.Kind.CONSUMER, orders), (span) -> span != null);
			FinishedSpan secondSend = await().atMost(Duration.ofSeconds(10))
				.until(() -> find(app.spans, Span.Kind.PRODUCER, confirmations), (span) -> span != null);
			FinishedSpan secondReceive = await().atMost(Duration.ofSeconds(10))
				.until(() -> find(app.spans, Span.Kind.CONSUMER, confirmations), (span) -> span != null);

			assertThat(List.of(firstSend, firstReceive, secondSend, secondReceive))
				.allSatisfy((span) -> assertThat(span.getTraceId()).isEqualTo(traceId));
			assertThat(firstSend.getName()).isEqualTo(orders + " send");
			assertThat(firstReceive.getName()).isEqualTo("confirm-in-0 receive");
			assertThat(firstReceive.getParentId()).isEqualTo(firstSend.getSpanId());
			assertThat(firstReceive.getTags()).containsEntry("messaging.system", "redis")
				.containsEntry("messaging.consumer.group.name", "confirmer");
			assertThat(secondSend.getName()).isEqualTo("confirm-out-0 send");
			assertThat(secondReceive.getName()).isEqualTo("record-in-0 receive");
			assertThat(secondReceive.getParentId()).isEqualTo(secondSend.getSpanId());

			// the context is in the entry itself: a consumer in another process continues the same way
			List<StreamMessage<String, String>> entries = redis.sync()
				.xrange(confirmations, Range.create("-", "+"));
			assertThat(entries).singleElement()
				.satisfies((entry) -> assertThat(entry.getBody().get("traceparent"))
					.isEqualTo("00-" + traceId + "-" + secondSend.getSpanId() + "-01"));
		}
		finally {
			redis.sync().del(orders, confirmations);
		}
	}

	private static FinishedSpan find(List<FinishedSpan> spans, Span.Kind kind, String stream) {
		return spans.stream()
			.filter((span) -> span.getKind() == kind
					&& stream.equals(span.getTags().get("messaging.destination.name")))
			.findFirst()
			.orElse(null);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TracedApp {

		final List<FinishedSpan> spans = new CopyOnWriteArrayList<>();

		final List<String> recorded = new CopyOnWriteArrayList<>();

		final List<String> traceIds = new CopyOnWriteArrayList<>();

		@Bean
		SpanReporter collectingSpanReporter() {
			return this.spans::add;
		}

		@Bean
		Function<String, String> confirm() {
			return (order) -> "confirmed " + order;
		}

		@Bean
		Consumer<String> record(Tracer tracer) {
			return (confirmation) -> {
				Span current = tracer.currentSpan();
				this.traceIds.add((current != null) ? current.context().traceId() : "none");
				this.recorded.add(confirmation);
			};
		}

	}

}
