package io.github.redisstreams.binder.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.function.Tuple2;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.OtherBinderType;
import io.github.redisstreams.binder.test.RedisExtension;
import io.github.redisstreams.binder.test.RedisTestSupport;
import io.github.redisstreams.binder.test.StreamInspector;
import io.github.redisstreams.binder.test.TestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reactive functions ({@code Consumer<Flux<Order>>}, {@code Function<Flux<Order>, Flux<String>>}) on Redis
 * bindings, against the real Redis: what the binder guarantees for them (every message delivered, acknowledged
 * once handed to the function's {@code Flux}) and what it does not (the entry is acknowledged before the
 * function has processed it; an error inside the {@code Flux} is not redelivered), as documented in
 * {@code docs/recovery.md}; and the startup warning about them, logged for reactive functions on Redis bindings
 * only.
 */
@ExtendWith({ RedisExtension.class, OutputCaptureExtension.class })
class ReactiveFunctionTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final String GROUP = "g";

	/** A line of the warning: the function and its bindings. */
	private static final Pattern WARNING = Pattern
		.compile("WARN .*Reactive function '([^']+)' consumes Redis binding\\(s\\) (\\[[^\\]]*\\])");

	@Test
	void reactiveConsumerHasItsEntryAcknowledgedWhenHandedOverNotWhenProcessed(StreamInspector redis, TestKeys keys,
			CapturedOutput output) {
		String in = keys.unique("reactive-gated");
		try (ConfigurableApplicationContext context = start(null, "gated", "--in=" + in)) {
			Orders app = context.getBean(Orders.class);
			String id = redis.add(in, Map.of("payload", new Order("o-1", 1).toJson()));
			await().atMost(TIMEOUT).until(() -> app.started.contains("o-1"));
			// the handler is held at its gate, yet its entry is already acknowledged
			await().atMost(TIMEOUT).until(() -> redis.pending(in, GROUP).isEmpty());
			assertThat(app.finished).isEmpty();
			assertThat(lastDeliveredId(redis, in)).isEqualTo(id);

			app.gate.countDown();
			await().atMost(TIMEOUT).until(() -> app.finished.contains("o-1"));
		}
		assertThat(warnings(output)).containsExactly("gated " + List.of("gated-in-0"));
	}

	/**
	 * An entry held by the function (here in a {@code buffer}) is acknowledged although unprocessed. Had the
	 * application died then, nothing would deliver it again: the consumers of the group that take over the
	 * entries of a dead consumer find nothing pending. Stopped gracefully, the function's {@code Flux} completes
	 * and the buffer hands over what it held.
	 */
	@Test
	void entryHeldByAReactiveConsumerIsAcknowledgedUnprocessedAndLeftToNoOtherConsumer(StreamInspector redis,
			TestKeys keys) {
		String in = keys.unique("reactive-buffered");
		Orders app;
		try (ConfigurableApplicationContext context = start(null, "buffered", "--in=" + in)) {
			app = context.getBean(Orders.class);
			// one order where the function waits for three
			String id = redis.add(in, Map.of("payload", new Order("o-1", 1).toJson()));
			await().atMost(TIMEOUT)
				.until(() -> id.equals(lastDeliveredId(redis, in)) && redis.pending(in, GROUP).isEmpty());
			assertThat(app.finished).isEmpty();

			// another instance of the group, which takes over idle pending entries after 200 ms, gets nothing
			try (ConfigurableApplicationContext other = OrderTestApp.start(in, GROUP,
					"--spring.cloud.stream.redis.binder.instance-id=" + keys.unique("other-instance"),
					"--spring.cloud.stream.redis.default.consumer.claim-idle-time=200ms",
					"--spring.cloud.stream.redis.default.consumer.claim-interval=100ms")) {
				OrderHandler handler = other.getBean(OrderHandler.class);
				await().during(Duration.ofSeconds(1))
					.atMost(TIMEOUT)
					.until(() -> handler.invocations("o-1") == 0 && app.finished.isEmpty());
			}
		}
		assertThat(app.finished).containsExactly("o-1");
		assertThat(redis.pending(in, GROUP)).isEmpty();
	}

	/**
	 * An error inside the {@code Flux}: the entry that caused it is acknowledged, not delivered again nor
	 * dead-lettered, and the error ends the function's subscription, so the next entries fail without reaching
	 * the function. For a {@code Consumer<Flux<Order>>} ({@code failing}) and a {@code Function<Flux<Order>,
	 * Flux<String>>} ({@code failingUpper}), each with the error line that reports the end of its subscription.
	 */
	@ParameterizedTest(name = "{0}")
	@CsvSource({ "failing, Operator called default onErrorDropped",
			"failingUpper, Failure was detected during execution of the reactive function 'failingUpper'" })
	void errorInAReactiveFunctionIsNotRedeliveredAndEndsItsSubscription(String function, String errorLine,
			StreamInspector redis, TestKeys keys, CapturedOutput output) {
		String in = keys.unique("reactive-failing");
		String deadLetters = "{" + in + "}:" + GROUP + ":dlq";
		try (ConfigurableApplicationContext context = start(null, function, "--in=" + in,
				"--spring.cloud.stream.bindings." + function + "-in-0.consumer.max-attempts=1",
				"--spring.cloud.stream.bindings." + function + "-out-0.destination=" + in + "-out",
				"--spring.cloud.stream.redis.default.consumer.claim-idle-time=200ms",
				"--spring.cloud.stream.redis.default.consumer.claim-interval=100ms",
				"--spring.cloud.stream.redis.default.consumer.max-deliveries=2")) {
			Orders app = context.getBean(Orders.class);
			redis.add(in, Map.of("payload", new Order("bad", 0).toJson()));
			await().atMost(TIMEOUT).until(() -> app.started.contains("bad") && redis.pending(in, GROUP).isEmpty());
			// acknowledged although it failed: never delivered again (an imperative handler's failing entry would be
			// taken back after claim-idle-time, 200 ms), not dead-lettered
			await().during(Duration.ofSeconds(1))
				.atMost(TIMEOUT)
				.until(() -> app.started.size() == 1 && redis.pending(in, GROUP).isEmpty() && !redis.exists(deadLetters));

			assertThat(output.getOut()).contains(errorLine);

			// the error ended the function's subscription: the next entries find no subscriber, fail their
			// deliveries and are dead-lettered after max-deliveries, without reaching the function
			String next = redis.add(in, Map.of("payload", new Order("o-2", 1).toJson()));
			await().atMost(TIMEOUT).until(() -> redis.exists(deadLetters) && redis.length(deadLetters) == 1);
			StreamMessage<String, String> deadLetter = redis.entries(deadLetters).get(0);
			assertThat(deadLetter.getBody()).containsEntry("x-original-id", next);
			assertThat(deadLetter.getBody().get("x-exception-message")).contains("doesn't have subscribers");
			assertThat(app.started).containsExactly("bad");
			assertThat(redis.pending(in, GROUP)).isEmpty();
			assertThat(redis.exists(in + "-out")).isFalse();
		}
	}

	/**
	 * An error handled per message inside the {@code Flux} leaves the function subscribed: the failed message
	 * is acknowledged (and gone), the next ones are processed.
	 */
	@Test
	void errorHandledInsideTheFluxKeepsTheFunctionSubscribed(StreamInspector redis, TestKeys keys) {
		String in = keys.unique("reactive-resilient");
		try (ConfigurableApplicationContext context = start(null, "resilient", "--in=" + in)) {
			Orders app = context.getBean(Orders.class);
			redis.add(in, Map.of("payload", new Order("bad", 0).toJson()));
			redis.add(in, Map.of("payload", new Order("o-2", 1).toJson()));
			await().atMost(TIMEOUT).until(() -> app.finished.contains("o-2") && redis.pending(in, GROUP).isEmpty());
			assertThat(app.started).containsExactly("bad", "o-2");
			assertThat(app.finished).containsExactly("o-2");
			assertThat(redis.exists("{" + in + "}:" + GROUP + ":dlq")).isFalse();
		}
	}

	@Test
	void reactiveFunctionDeliversEveryMessageAndIsTheOnlyFunctionWarnedAbout(StreamInspector redis, TestKeys keys,
			CapturedOutput output) {
		String in = keys.unique("reactive-in");
		String out = keys.unique("reactive-out");
		String orders = keys.unique("imperative-orders");
		String confirmations = keys.unique("imperative-confirmations");
		try (ConfigurableApplicationContext context = start(null, "upper;record;handle;confirm", "--in=" + in,
				"--spring.cloud.stream.bindings.upper-out-0.destination=" + out,
				"--spring.cloud.stream.bindings.record-in-0.destination=" + out,
				"--spring.cloud.stream.bindings.record-in-0.group=" + GROUP,
				"--spring.cloud.stream.bindings.handle-in-0.destination=" + orders,
				"--spring.cloud.stream.bindings.handle-in-0.group=" + GROUP,
				"--spring.cloud.stream.bindings.confirm-in-0.destination=" + orders,
				"--spring.cloud.stream.bindings.confirm-in-0.group=confirmer",
				"--spring.cloud.stream.bindings.confirm-out-0.destination=" + confirmations)) {
			Orders app = context.getBean(Orders.class);
			List<String> expected = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				redis.add(in, Map.of("payload", new Order("o-" + i, 1).toJson()));
				expected.add("O-" + i);
			}
			await().atMost(TIMEOUT).until(() -> redis.exists(out) && redis.length(out) == 20);
			assertThat(redis.entries(out)).extracting((entry) -> entry.getBody().get("payload"))
				.containsExactlyElementsOf(expected);
			await().atMost(TIMEOUT).until(() -> app.recorded.size() == 20);
			assertThat(app.recorded).containsExactlyInAnyOrderElementsOf(expected);
			await().atMost(TIMEOUT)
				.until(() -> redis.pending(in, GROUP).isEmpty() && redis.pending(out, GROUP).isEmpty());

			// the imperative functions work as usual
			redis.add(orders, Map.of("payload", new Order("i-1", 1).toJson()));
			await().atMost(TIMEOUT).until(() -> app.finished.contains("i-1") && redis.exists(confirmations)
					&& redis.length(confirmations) == 1);
		}
		assertThat(warnings(output)).containsExactly("upper " + List.of("upper-in-0"));
	}

	/**
	 * Next to a binder of another type: with the Redis binder as Spring Cloud Stream creates it by default (in a
	 * context whose parent is the application's), and declared with an environment of its own (in a context
	 * without parent, whose events Spring Cloud Stream forwards to the application).
	 */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "default", "own-environment" })
	void onlyInputsBoundThroughThisBinderAreWarnedAbout(String redisBinder, StreamInspector redis, TestKeys keys,
			CapturedOutput output) {
		String in = keys.unique("reactive-merge");
		String out = keys.unique("reactive-merged");
		List<String> args = new ArrayList<>(List.of("--spring.cloud.stream.bindings.merge-in-0.destination=" + in,
				"--spring.cloud.stream.bindings.merge-in-0.group=" + GROUP,
				"--spring.cloud.stream.bindings.merge-in-1.binder=" + OtherBinderType.NAME,
				"--spring.cloud.stream.bindings.merge-in-1.destination=" + in + "-other",
				"--spring.cloud.stream.bindings.merge-out-0.destination=" + out,
				"--spring.cloud.stream.bindings.elsewhere-in-0.binder=" + OtherBinderType.NAME,
				"--spring.cloud.stream.bindings.elsewhere-in-0.destination=" + in + "-elsewhere"));
		if (redisBinder.equals("default")) {
			args.add("--spring.cloud.stream.default-binder=redis");
		}
		else {
			args.addAll(List.of("--spring.cloud.stream.binders.own.type=redis",
					"--spring.cloud.stream.binders.own.environment.spring.data.redis.url=" + RedisTestSupport.redisUrl(),
					"--spring.cloud.stream.binders.own.environment.spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
					"--spring.cloud.stream.binders." + OtherBinderType.NAME + ".type=" + OtherBinderType.NAME,
					"--spring.cloud.stream.default-binder=own"));
		}
		try (ConfigurableApplicationContext context = start(OtherBinderType.resourceLoader(), "merge;elsewhere",
				args.toArray(String[]::new))) {
			redis.add(in, Map.of("payload", new Order("o-1", 1).toJson()));
			await().atMost(TIMEOUT).until(() -> redis.exists(out) && redis.length(out) == 1);
			assertThat(redis.entries(out).get(0).getBody()).containsEntry("payload", "O-1");
		}
		// 'merge' reads one input through Redis and one through the other binder; 'elsewhere' only the other
		assertThat(warnings(output)).containsExactly("merge " + List.of("merge-in-0"));
	}

	/**
	 * A binding that could not be created at startup (its stream key holds a string, so the group cannot be
	 * created) is retried by Spring Cloud Stream; the warning comes when it is created at last.
	 */
	@Test
	void bindingCreatedAfterStartupIsWarnedAboutWhenCreated(StreamInspector redis, TestKeys keys,
			CapturedOutput output) {
		String in = keys.unique("reactive-late");
		redis.redis().set(in, "not a stream");
		try (ConfigurableApplicationContext context = start(null, "upper", "--in=" + in,
				"--spring.cloud.stream.binding-retry-interval=1",
				"--spring.cloud.stream.bindings.upper-out-0.destination=" + in + "-out")) {
			assertThat(warnings(output)).isEmpty();
			redis.redis().del(in);
			await().atMost(TIMEOUT).until(() -> !warnings(output).isEmpty());
			assertThat(warnings(output)).containsExactly("upper " + List.of("upper-in-0"));
			redis.add(in, Map.of("payload", new Order("o-1", 1).toJson()));
			await().atMost(TIMEOUT).until(() -> redis.exists(in + "-out") && redis.length(in + "-out") == 1);
		}
	}

	/**
	 * The warning is silenced as the docs say, by its logger's level.
	 */
	@Test
	void warningIsSilencedByItsLoggerLevel(TestKeys keys, CapturedOutput output) {
		String logger = "io.github.redisstreams.binder.config.RedisStreamReactiveFunctionWarning";
		try (ConfigurableApplicationContext context = start(null, "upper", "--in=" + keys.unique("reactive-quiet"),
				"--spring.cloud.stream.bindings.upper-out-0.destination=" + keys.unique("reactive-quiet-out"),
				"--logging.level." + logger + "=error")) {
			assertThat(context.getBeansOfType(ApplicationListener.class).keySet())
				.contains("redisStreamReactiveFunctionWarning");
		}
		finally {
			LoggingSystem.get(getClass().getClassLoader()).setLogLevel(logger, null);
		}
		assertThat(warnings(output)).isEmpty();
	}

	/**
	 * The function and bindings of each warning logged, in order.
	 */
	private static List<String> warnings(CapturedOutput output) {
		List<String> warnings = new ArrayList<>();
		Matcher matcher = WARNING.matcher(output.getOut());
		while (matcher.find()) {
			warnings.add(matcher.group(1) + " " + matcher.group(2));
		}
		return warnings;
	}

	private static String lastDeliveredId(StreamInspector redis, String stream) {
		Map<String, Object> group = redis.groups(stream).get(GROUP);
		return (group != null) ? (String) group.get("last-delivered-id") : null;
	}

	/**
	 * Starts the application with the given functions; {@code --in} names the stream of the single-function
	 * tests, consumed by {@code <function>-in-0} in group {@code g}.
	 */
	private static ConfigurableApplicationContext start(ResourceLoader resourceLoader, String definition,
			String... extraArgs) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
				"--spring.cloud.function.definition=" + definition,
				"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms"));
		for (String function : List.of("gated", "buffered", "failing", "failingUpper", "resilient", "upper")) {
			args.add("--spring.cloud.stream.bindings." + function + "-in-0.destination=${in:unused}");
			args.add("--spring.cloud.stream.bindings." + function + "-in-0.group=" + GROUP);
		}
		args.addAll(List.of(extraArgs));
		SpringApplicationBuilder builder = new SpringApplicationBuilder(Orders.class).web(WebApplicationType.NONE);
		if (resourceLoader != null) {
			builder.resourceLoader(resourceLoader);
		}
		return builder.run(args.toArray(String[]::new));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Orders {

		/** Orders whose processing began. */
		final List<String> started = new CopyOnWriteArrayList<>();

		/** Orders processed to the end. */
		final List<String> finished = new CopyOnWriteArrayList<>();

		final List<String> recorded = new CopyOnWriteArrayList<>();

		/** Holds the processing of {@link #gated()} until opened. */
		final CountDownLatch gate = new CountDownLatch(1);

		/** Processes each order on another thread, once the gate is open. */
		@Bean
		Consumer<Flux<Order>> gated() {
			return (orders) -> orders.publishOn(Schedulers.boundedElastic()).doOnNext((order) -> {
				this.started.add(order.orderId());
				try {
					this.gate.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				this.finished.add(order.orderId());
			}).subscribe();
		}

		/** Processes orders three at a time. */
		@Bean
		Consumer<Flux<Order>> buffered() {
			return (orders) -> orders.buffer(3)
				.doOnNext((batch) -> batch.forEach((order) -> this.finished.add(order.orderId())))
				.subscribe();
		}

		/** Fails on an order of quantity 0, in the Flux, on the binder's thread. */
		@Bean
		Consumer<Flux<Order>> failing() {
			return (orders) -> orders.doOnNext((order) -> {
				this.started.add(order.orderId());
				if (order.quantity() == 0) {
					throw new IllegalStateException("invalid order " + order.orderId());
				}
				this.finished.add(order.orderId());
			}).subscribe();
		}

		/** Fails on an order of quantity 0, in the Flux, on the binder's thread. */
		@Bean
		Function<Flux<Order>, Flux<String>> failingUpper() {
			return (orders) -> orders.map((order) -> {
				this.started.add(order.orderId());
				if (order.quantity() == 0) {
					throw new IllegalStateException("invalid order " + order.orderId());
				}
				return order.orderId().toUpperCase();
			});
		}

		@Bean
		Function<Flux<Order>, Flux<String>> upper() {
			return (orders) -> orders.map((order) -> order.orderId().toUpperCase());
		}

		/** Two inputs, which Spring Cloud Stream binds reactively only. */
		@Bean
		Function<Tuple2<Flux<Order>, Flux<Order>>, Flux<String>> merge() {
			return (inputs) -> Flux.merge(inputs.getT1(), inputs.getT2()).map((order) -> order.orderId().toUpperCase());
		}

		/** Handles the error of each order inside the Flux. */
		@Bean
		Consumer<Flux<Order>> resilient() {
			return (orders) -> orders.concatMap((order) -> Mono.fromRunnable(() -> {
				this.started.add(order.orderId());
				if (order.quantity() == 0) {
					throw new IllegalStateException("invalid order " + order.orderId());
				}
				this.finished.add(order.orderId());
			}).onErrorResume((ex) -> Mono.empty())).subscribe();
		}

		/** Reactive, bound to the other binder only. */
		@Bean
		Consumer<Flux<Order>> elsewhere() {
			return (orders) -> orders.subscribe();
		}

		@Bean
		Consumer<String> record() {
			return this.recorded::add;
		}

		@Bean
		Consumer<Order> handle() {
			return (order) -> this.finished.add(order.orderId());
		}

		@Bean
		Function<Order, String> confirm() {
			return (order) -> "confirmed " + order.orderId();
		}

	}

}
