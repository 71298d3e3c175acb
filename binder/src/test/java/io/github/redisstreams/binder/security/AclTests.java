package io.github.redisstreams.binder.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.binder.ExtendedProducerProperties;
import org.springframework.cloud.stream.config.BindersHealthIndicatorAutoConfiguration.BindersHealthContributor;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.messaging.support.MessageBuilder;

import io.github.redisstreams.binder.metrics.BindingState;
import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.recovery.DeadLetter;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;
import io.github.redisstreams.binder.test.FakeConsumerBinding;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisCli;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.TransactionalTestApp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The ACL rules of {@code docs/security.md}, read from that page and created on a Redis of the test's own
 * with {@code redis-cli} as a user would paste them, let a producer, a consumer and an operator do their work,
 * and nothing more; a permission or credentials that are missing are reported as such (command, keys, user),
 * not as an outage, and heal without a restart once fixed.
 */
@ExtendWith(OutputCaptureExtension.class)
class AclTests {

	private static final String STREAM = "orders";

	private static final String GROUP = "order-service";

	private static final String DLQ = "{orders}:order-service:dlq";

	private static final String PRODUCER = "orders-producer";

	private static final String CONSUMER = "order-service";

	private static final String OPERATOR = "orders-operator";

	private static final String BINDING = "handleOrder-in-0";

	private static RedisServerProcess server;

	private static RedisClient adminClient;

	private static StatefulRedisConnection<String, String> adminConnection;

	private static RedisCommands<String, String> admin;

	/** The documented {@code ACL SETUSER} line of each user. */
	private static Map<String, String> rules;

	private final List<AutoCloseable> started = new ArrayList<>();

	@BeforeAll
	static void startRedis() throws IOException {
		rules = documentedRules();
		assertThat(rules).containsOnlyKeys(PRODUCER, CONSUMER, OPERATOR);
		server = RedisServerProcess.startOnFreePort();
		server.version().assumeAtLeast(7, 0, "the selectors in the ACL rules of docs/security.md");
		adminClient = RedisClient.create(server.url());
		adminConnection = adminClient.connect();
		admin = adminConnection.sync();
	}

	@AfterAll
	static void stopRedis() {
		if (adminConnection != null) {
			adminConnection.close();
			adminClient.shutdown();
		}
		if (server != null) {
			server.close();
		}
	}

	@BeforeEach
	void documentedUsers() {
		admin.flushall();
		redisCli(rules.values().toArray(String[]::new));
	}

	@AfterEach
	void stopApplications() throws Exception {
		for (AutoCloseable application : this.started) {
			application.close();
		}
	}

	@Test
	void producerSendsCreatesItsRequiredGroupAndTrims(CapturedOutput output) {
		RedisBinderHarness app = track(RedisBinderHarness.startOn(url(PRODUCER)));
		ExtendedProducerProperties<RedisProducerProperties> properties = app.producerProperties("output-0");
		properties.setRequiredGroups(GROUP);
		properties.getExtension().setMaxLen(5);
		properties.getExtension().setTrimInterval(Duration.ofMillis(100));
		RedisBinderHarness.BoundChannel orders = app.bindProducer(STREAM, properties);

		for (int i = 0; i < 20; i++) {
			orders.channel().send(MessageBuilder.withPayload(new Order("o-" + i, 1)).build());
		}

		await().atMost(Duration.ofSeconds(10)).until(() -> admin.xlen(STREAM) == 20);
		assertThat(admin.xinfoGroups(STREAM)).hasSize(1);
		// the trim ran (XINFO GROUPS, then its script): safe retention keeps what the required group has not read
		await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut().contains("Retention of stream 'orders' "
				+ "is held back by consumer group 'order-service'"));
		assertHealthy(app.context());
		assertThat(output.getOut()).doesNotContain("Redis refused", "NOPERM", "can't run this command");
		// and nothing beyond its role
		assertThat(redisCliAs(PRODUCER, "XREADGROUP", "GROUP", GROUP, "c", "STREAMS", STREAM, ">")).contains("NOPERM");
		assertThat(redisCliAs(PRODUCER, "DEL", STREAM)).contains("NOPERM");
		assertThat(redisCliAs(PRODUCER, "XADD", "other", "*", "payload", "x")).contains("NOPERM");
	}

	@Test
	void producerWithoutXaddIsRefusedAsSuchAndHealsOnceAllowed(CapturedOutput output) {
		redisCli("ACL SETUSER orders-producer -xadd");
		RedisBinderHarness app = track(RedisBinderHarness.startOn(url(PRODUCER)));
		ExtendedProducerProperties<RedisProducerProperties> properties = app.producerProperties("output-0");
		properties.getExtension().setSync(true);
		RedisBinderHarness.BoundChannel orders = app.bindProducer(STREAM, properties);
		HealthIndicator health = health(app.context());

		assertThatThrownBy(() -> orders.channel().send(MessageBuilder.withPayload(new Order("o-1", 1)).build()))
			.hasMessageContaining("Failed to write to stream 'orders'")
			.rootCause()
			.hasMessage("NOPERM this user has no permissions to run the 'xadd' command");
		String refusal = "Redis refused XADD on 'orders': Redis user 'orders-producer' lacks an ACL permission: NOPERM";
		// recorded when the reply arrives, on a thread of Lettuce
		await().atMost(Duration.ofSeconds(5)).until(() -> output.getOut().contains(refusal));
		assertThat(output.getOut()).containsOnlyOnce(refusal);
		Health refused = health.health();
		assertThat(refused.getStatus()).isEqualTo(Status.DOWN);
		assertThat(refused.getDetails().get("refused").toString()).contains("XADD on 'orders'");

		redisCli(rules.get(PRODUCER));
		orders.channel().send(MessageBuilder.withPayload(new Order("o-2", 1)).build());
		assertThat(admin.xlen(STREAM)).isOne();
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertHealthy(app.context()));
		assertThat(output.getOut()).contains("Redis accepts XADD on 'orders' again");
	}

	@Test
	void consumerProcessesDeadLettersAndSkipsDuplicates(CapturedOutput output) {
		ConfigurableApplicationContext app = startConsumer(url(CONSUMER));
		OrderHandler handler = app.getBean(OrderHandler.class);
		handler.behave(AclTests::failPoison);

		admin.xadd(STREAM, "payload", new Order("o-1", 1).toJson());
		admin.xadd(STREAM, "payload", new Order("o-2", 1).toJson());
		admin.xadd(STREAM, "payload", new Order("poison", 1).toJson());
		await().atMost(Duration.ofSeconds(20)).until(() -> admin.xlen(DLQ) == 1 && pending() == 0);
		assertThat(handler.successes("o-1")).isEqualTo(1);
		assertThat(handler.successes("o-2")).isEqualTo(1);
		assertThat(admin.exists("{orders}:order-service:processed:o-1")).isEqualTo(1L);

		admin.xadd(STREAM, "payload", new Order("o-1", 1).toJson());
		await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0 && groupLag() == 0);
		assertThat(handler.invocations("o-1")).isEqualTo(1);

		// the health details and the metrics gauges read with the consumer's rules
		ConsumerBindingView binding = app.getBean(RedisStreamBindingRegistry.class).consumers().get(0);
		BindingState state = app.getBean(BindingStateReader.class).read(binding, true);
		assertThat(state.deadLetterCount()).isEqualTo(1L);
		assertHealthy(app);
		assertThat(output.getOut()).doesNotContain("Redis refused", "NOPERM", "can't run this command",
				"Redis is unavailable");
	}

	/**
	 * A transactional processor runs as the consumer with the selectors the page adds for transactional bindings:
	 * its steps (output, the handler's increment, markers) are applied inside the script under those rules.
	 */
	@Test
	void transactionalProcessorRunsWithTheDocumentedExtraRules(CapturedOutput output) throws IOException {
		String page = Files.readString(Path.of("..", "docs", "security.md"));
		String transactionalRules = page.lines()
			.map(String::trim)
			.filter((line) -> line.startsWith("ACL SETUSER " + CONSUMER + " ~{orders}:invoices"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("the transactional rules are missing from docs/security.md"));
		redisCli(transactionalRules);
		ConfigurableApplicationContext app = track(TransactionalTestApp.startOn(url(CONSUMER), GROUP, STREAM,
				"{orders}:invoices", "{orders}:totals",
				"--spring.cloud.stream.redis.bindings.invoice-in-0.consumer.idempotency.key-expression=payload.orderId"));
		admin.xadd(STREAM, "payload", new Order("o-1", 2).toJson());
		admin.xadd(STREAM, "payload", new Order("o-2", 3).toJson());
		await().atMost(Duration.ofSeconds(20)).until(() -> admin.xlen("{orders}:invoices") == 2 && pending() == 0);
		assertThat(admin.hget("{orders}:totals", "quantity")).isEqualTo("5");
		assertThat(output.getOut()).doesNotContain("NOPERM", "can't run this command", "failed and was undone");
	}

	@Test
	void consumerKeepsRunningWhenOperatorCommandsAreRefused(CapturedOutput output) {
		ConfigurableApplicationContext app = startConsumer(url(CONSUMER));
		OrderHandler handler = app.getBean(OrderHandler.class);
		handler.behave(AclTests::failPoison);
		admin.xadd(STREAM, "payload", new Order("poison", 1).toJson());
		await().atMost(Duration.ofSeconds(20)).until(() -> admin.xlen(DLQ) == 1);

		RedisStreamDeadLetterOperations deadLetters = app.getBean(RedisStreamDeadLetterOperations.class);
		assertThat(deadLetters.count(DLQ)).isEqualTo(1);
		assertThatThrownBy(() -> deadLetters.newest(DLQ, 10)).hasMessageStartingWith("NOPERM")
			.hasMessageContaining("[the binder sent XREVRANGE on '" + DLQ + "' as Redis user 'order-service']");
		assertThatThrownBy(() -> deadLetters.purge(DLQ))
			.hasMessageContaining("[the binder sent DEL on '" + DLQ + "' as Redis user 'order-service']");
		String id = deadLetters.list(DLQ, 1).get(0).id();
		assertThatThrownBy(() -> deadLetters.replay(DLQ, List.of(id)))
			.hasMessageContaining("[the binder sent EVALSHA replay-dead-letter.lua (XRANGE, XADD, XDEL) on '" + DLQ
					+ "', 'orders' as Redis user 'order-service']");
		assertThat(output.getOut()).containsOnlyOnce("Redis refused XREVRANGE on '" + DLQ + "'");

		admin.xadd(STREAM, "payload", new Order("after", 1).toJson());
		await().atMost(Duration.ofSeconds(10)).until(() -> handler.successes("after") == 1);
		assertThat(admin.xlen(DLQ)).isEqualTo(1);
		// the dead-letter operations have connections of their own: the binder is healthy
		assertHealthy(app);
		assertThat(output.getOut()).doesNotContain("Redis is unavailable");
	}

	@Test
	void operatorReadsReplaysAndPurgesDeadLetters() {
		ConfigurableApplicationContext app = startConsumer(url(CONSUMER));
		OrderHandler handler = app.getBean(OrderHandler.class);
		handler.behave(AclTests::failPoison);
		admin.xadd(STREAM, "payload", new Order("poison", 1).toJson());
		admin.xadd(STREAM, "payload", new Order("poison", 2).toJson());
		await().atMost(Duration.ofSeconds(20)).until(() -> admin.xlen(DLQ) == 2);

		LettuceConnectionFactory operator = track(connectionFactory(OPERATOR, password(OPERATOR)));
		RedisStreamDeadLetterOperations deadLetters = track(new RedisStreamDeadLetterOperations(operator));
		assertThat(deadLetters.count(DLQ)).isEqualTo(2);
		List<DeadLetter> oldest = deadLetters.list(DLQ, 10);
		assertThat(oldest).hasSize(2);
		assertThat(deadLetters.newest(DLQ, 1)).hasSize(1);
		assertThat(deadLetters.get(DLQ, oldest.get(0).id())).isPresent();

		// what the endpoint shows of the binding
		BindingStateReader reader = track(BindingStateReader.withOwnConnection(operator));
		BindingState state = reader.read(FakeConsumerBinding.on(STREAM).withGroup(GROUP).withDeadLetterStream(DLQ),
				true);
		assertThat(state.groupPresent()).isTrue();
		assertThat(state.deadLetterCount()).isEqualTo(2L);

		handler.behave((order) -> {
		});
		assertThat(deadLetters.replay(DLQ, List.of(oldest.get(0).id()))).isEqualTo(1);
		await().atMost(Duration.ofSeconds(10)).until(() -> handler.successes("poison") == 1);
		assertThat(deadLetters.purge(DLQ)).isEqualTo(1);
		assertThat(admin.exists(DLQ)).isZero();

		// and nothing beyond its role: the source stream can be added to, not deleted
		assertThatThrownBy(() -> deadLetters.purge(STREAM)).hasMessageStartingWith("NOPERM")
			.hasMessageContaining("[the binder sent DEL on 'orders' as Redis user 'orders-operator']");
		assertThat(admin.exists(STREAM)).isEqualTo(1L);
	}

	@Test
	void missingPermissionIsReportedOnceNotAsAnOutageAndHealsWithoutRestart(CapturedOutput output) {
		// the documented consumer without its markers' selector: MGET and SET of markers are refused
		redisCli("ACL SETUSER order-service clearselectors \"(+xadd ~{orders}:order-service:dlq)\"");
		ConfigurableApplicationContext app = startConsumer(url(CONSUMER),
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.max-deliveries=1000");
		OrderHandler handler = app.getBean(OrderHandler.class);
		HealthIndicator health = health(app);

		admin.xadd(STREAM, "payload", new Order("o-1", 1).toJson());

		String refusal = "Redis refused MGET on '{orders}:order-service:processed:*': Redis user 'order-service' "
				+ "lacks an ACL permission: NOPERM";
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Health current = health.health();
			assertThat(current.getStatus()).isEqualTo(Status.DOWN);
			assertThat(current.getDetails().get("refused").toString())
				.contains("MGET on '{orders}:order-service:processed:*'");
		});
		// retried at every take-over (claim-idle-time 300 ms): still one ERROR, and no outage
		await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
		assertThat(output.getOut()).containsOnlyOnce(refusal);
		assertThat(output.getOut()).doesNotContain("Redis is unavailable", "Redis is available again");
		assertThat(handler.invocations("o-1")).isZero();
		assertThat(pending()).isEqualTo(1);

		redisCli(rules.get(CONSUMER));
		await().atMost(Duration.ofSeconds(10)).until(() -> handler.successes("o-1") == 1 && pending() == 0);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(health.health().getStatus()).isEqualTo(Status.UP));
		assertThat(output.getOut())
			.contains("Redis accepts MGET on '{orders}:order-service:processed:*' again");
		assertThat(admin.exists("{orders}:order-service:processed:o-1")).isEqualTo(1L);
	}

	@Test
	void refusedGroupCreationFailsTheBindingAtStartupAndItIsBoundOnceAllowed(CapturedOutput output) {
		redisCli("ACL SETUSER order-service -xgroup|create");
		ConfigurableApplicationContext app = startConsumer(url(CONSUMER),
				"--spring.cloud.stream.binding-retry-interval=1");

		await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut()
			.contains("Could not create consumer group 'order-service' on stream 'orders': NOPERM"));
		assertThat(output.getOut())
			.contains("[the binder sent XGROUP CREATE on 'orders' as Redis user 'order-service']");

		redisCli("ACL SETUSER order-service +xgroup|create");
		admin.xadd(STREAM, "payload", new Order("o-1", 1).toJson());
		OrderHandler handler = app.getBean(OrderHandler.class);
		await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes("o-1") == 1);
	}

	@Test
	void wrongPasswordIsReportedAsAnAuthenticationFailureAndHealsOnceAccepted(CapturedOutput output) {
		ConfigurableApplicationContext app = startConsumer(url(CONSUMER, "not-the-password"),
				"--spring.cloud.stream.binding-retry-interval=1");
		HealthIndicator health = health(app);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Health current = health.health();
			assertThat(current.getStatus()).isEqualTo(Status.DOWN);
			assertThat(current.getDetails().get("error").toString())
				.startsWith("Redis refused the credentials of user 'order-service' (WRONGPASS");
		});
		assertThat(output.getOut()).contains("Redis refused the connection: Redis refused the credentials of user "
				+ "'order-service' (WRONGPASS");
		assertThat(output.getOut()).doesNotContain("Redis is unavailable");

		// the password the application has becomes valid (a rotation on the Redis side)
		redisCli("ACL SETUSER order-service >not-the-password");
		admin.xadd(STREAM, "payload", new Order("o-1", 1).toJson());
		OrderHandler handler = app.getBean(OrderHandler.class);
		await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes("o-1") == 1);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(health.health().getStatus()).isEqualTo(Status.UP));
	}

	private ConfigurableApplicationContext startConsumer(String url, String... extraArgs) {
		String redisConsumer = "--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.";
		List<String> args = new ArrayList<>(List.of(redisConsumer + "idempotency.key-expression=payload.orderId",
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.max-attempts=1",
				redisConsumer + "max-deliveries=2",
				redisConsumer + "claim-idle-time=300ms",
				redisConsumer + "claim-interval=100ms",
				"--spring.cloud.stream.redis.binder.metrics.refresh-interval=200ms",
				"--spring.cloud.stream.redis.binder.health-timeout=3s", "--spring.data.redis.timeout=3s"));
		for (String extra : extraArgs) {
			// an argument given twice would be bound as a list: the test's own replaces the default
			args.removeIf((arg) -> arg.startsWith(extra.substring(0, extra.indexOf('=') + 1)));
			args.add(extra);
		}
		return track(OrderTestApp.startOn(url, STREAM, GROUP, args.toArray(String[]::new)));
	}

	private static void failPoison(Order order) {
		if (order.orderId().equals("poison")) {
			throw new IllegalStateException("cannot process " + order.orderId());
		}
	}

	private static long pending() {
		return admin.xpending(STREAM, GROUP).getCount();
	}

	private static long groupLag() {
		List<Object> groups = admin.xinfoGroups(STREAM);
		List<?> group = (List<?>) groups.get(0);
		for (int i = 0; i + 1 < group.size(); i += 2) {
			if ("lag".equals(group.get(i))) {
				return (Long) group.get(i + 1);
			}
		}
		throw new IllegalStateException("no lag in " + group);
	}

	private static void assertHealthy(ConfigurableApplicationContext app) {
		Health current = health(app).health();
		assertThat(current.getStatus()).as(current.toString()).isEqualTo(Status.UP);
		assertThat(current.getDetails()).doesNotContainKey("refused");
	}

	private static HealthIndicator health(ConfigurableApplicationContext app) {
		return (HealthIndicator) app.getBean(BindersHealthContributor.class).getContributor("redis");
	}

	private <T extends AutoCloseable> T track(T closeable) {
		this.started.add(0, closeable);
		return closeable;
	}

	private LettuceConnectionFactory track(LettuceConnectionFactory factory) {
		track((AutoCloseable) factory::destroy);
		return factory;
	}

	private RedisStreamDeadLetterOperations track(RedisStreamDeadLetterOperations operations) {
		track((AutoCloseable) operations::destroy);
		return operations;
	}

	private BindingStateReader track(BindingStateReader reader) {
		track((AutoCloseable) reader::destroy);
		return reader;
	}

	private static LettuceConnectionFactory connectionFactory(String user, String password) {
		RedisStandaloneConfiguration configuration = new RedisStandaloneConfiguration("127.0.0.1", server.port());
		configuration.setUsername(user);
		configuration.setPassword(password);
		LettuceConnectionFactory factory = new LettuceConnectionFactory(configuration);
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	private static String url(String user) {
		return url(user, password(user));
	}

	private static String url(String user, String password) {
		return "redis://" + user + ":" + password + "@127.0.0.1:" + server.port();
	}

	/** The password of a documented user: its {@code >password} rule. */
	private static String password(String user) {
		return Arrays.stream(rules.get(user).split(" "))
			.filter((token) -> token.startsWith(">"))
			.findFirst()
			.orElseThrow()
			.substring(1);
	}

	private static Map<String, String> documentedRules() throws IOException {
		Map<String, String> documented = new LinkedHashMap<>();
		for (String line : Files.readAllLines(Path.of("..", "docs", "security.md"))) {
			if (line.startsWith("ACL SETUSER ")) {
				documented.put(line.split(" ")[2], line);
			}
		}
		return documented;
	}

	/**
	 * Runs commands with {@code redis-cli} (or {@link RedisCli}'s same parsing without it) as the admin, which
	 * parses them (quotes included) as it would from a user's terminal, and checks that each answered OK.
	 */
	private static void redisCli(String... commands) {
		String reply = RedisCli.run(server.port(), null, null, List.of(commands));
		assertThat(reply.lines().toList()).as(reply).hasSize(commands.length).allMatch("OK"::equals);
	}

	/**
	 * Runs one command as a documented user.
	 * @return its reply
	 */
	private static String redisCliAs(String user, String... command) {
		return RedisCli.run(server.port(), user, password(user), List.of(String.join(" ", command)));
	}

}
