package io.github.redisstreams.binder.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.config.BindersHealthIndicatorAutoConfiguration.BindersHealthContributor;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.actuate.RedisStreamEndpoint;
import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The password of the Redis user (given in {@code spring.data.redis.url}) and the content of messages stay out
 * of the logs at INFO and above, the binder's health details and the {@code redisstreams} endpoint, through
 * processing, failures, dead-lettering, dropping without a dead-letter stream and a Redis outage; and come back
 * only when the application opts in.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretExposureTests {

	private static final String BINDING = "handleOrder-in-0";

	private static final String USER = "binder-app";

	private static final JsonMapper json = JsonMapper.builder().build();

	final String password = "pw-" + UUID.randomUUID();

	final String marker = "MARKER" + UUID.randomUUID().toString().replace("-", "");

	RedisServerProcess server;

	RedisClient client;

	StatefulRedisConnection<String, String> connection;

	RedisCommands<String, String> redis;

	final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	@BeforeEach
	void startRedis() {
		this.server = RedisServerProcess.startOnFreePort();
		this.client = RedisClient.create(this.server.url());
		this.connection = this.client.connect();
		this.redis = this.connection.sync();
		createUser();
	}

	@AfterEach
	void stop() {
		this.contexts.forEach(ConfigurableApplicationContext::close);
		this.connection.close();
		this.client.shutdown();
		this.server.close();
	}

	@Test
	@Timeout(120)
	void neitherThePasswordNorPayloadsReachLogsHealthOrTheEndpoint(CapturedOutput output) throws Exception {
		String stream = "secret-orders";
		String group = "secret-group";
		ConfigurableApplicationContext app = start(stream, group);
		OrderHandler handler = app.getBean(OrderHandler.class);
		handler.behave((order) -> {
			if (order.quantity() < 0) {
				throw new IllegalArgumentException("quantity must be positive");
			}
		});
		this.redis.xadd(stream, Map.of("payload", order("ok-1", 1), "x-note", this.marker));
		this.redis.xadd(stream, Map.of("payload", order("fail-1", -1), "x-note", this.marker));
		this.redis.xadd(stream, Map.of("payload", this.marker + " is not JSON"));
		this.redis.xadd(stream, Map.of("orderId", this.marker));
		this.redis.xadd(stream, Map.of("payload", order("ok-2", 1), "spring_header_types", "{" + this.marker));
		String deadLetters = StreamKeys.deadLetterStream(stream, group);
		await().atMost(Duration.ofSeconds(20)).until(() -> this.redis.xlen(deadLetters) == 4);
		assertThat(handler.successes(this.marker + "-ok-1")).isOne();

		// a second application, without a dead-letter stream: failures are dropped with an ERROR log
		String dropStream = "secret-drops";
		ConfigurableApplicationContext dropper = start(dropStream, group,
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.enable-dlq=false");
		dropper.getBean(OrderHandler.class).behave((order) -> {
			throw new IllegalArgumentException("always fails");
		});
		this.redis.xadd(dropStream, Map.of("payload", order("drop-1", 1), "x-note", this.marker));
		this.redis.xadd(dropStream, Map.of("payload", this.marker + " is not JSON either"));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> output.getOut().split("is dropped because", -1).length - 1 >= 2);

		// Redis goes away for a moment; the binder reports the outage and resumes
		HealthIndicator health = health(app);
		this.server.kill();
		await().atMost(Duration.ofSeconds(20)).until(() -> health.health(true).getStatus().equals(Status.DOWN));
		String downDetails = String.valueOf(health.health(true).getDetails());
		Thread.sleep(1500);
		this.server.start();
		createUser();
		await().atMost(Duration.ofSeconds(30)).until(() -> health.health(true).getStatus().equals(Status.UP));
		this.redis.xadd(stream, Map.of("payload", order("ok-3", 1)));
		await().atMost(Duration.ofSeconds(30)).until(() -> handler.successes(this.marker + "-ok-3") == 1);
		this.redis.xadd(stream, Map.of("payload", order("fail-2", -1), "x-note", this.marker));
		await().atMost(Duration.ofSeconds(20)).until(() -> this.redis.xlen(deadLetters) == 1);

		Health upHealth = health.health(true);
		RedisStreamEndpoint endpoint = app.getBean(RedisStreamEndpoint.class);
		String deadLetterId = this.redis.xrange(deadLetters, io.lettuce.core.Range.unbounded()).get(0).getId();
		String endpointAnswers = json.writeValueAsString(endpoint.bindings())
				+ json.writeValueAsString(endpoint.binding(BINDING, 100))
				+ json.writeValueAsString(endpoint.deadLetter(BINDING, deadLetterId));

		assertThat(output.getOut()).contains("is dropped because").contains("moved to dead-letter stream");
		// the outage was logged (by the binder, or by Lettuce's reconnection watchdog when it was short)
		assertThat(output.getOut()).containsAnyOf("Redis is unavailable", "Cannot reconnect");
		assertThat(endpointAnswers).contains("payloadSize").contains(deadLetterId);
		for (String secret : List.of(this.password, this.marker)) {
			assertThat(output.getAll()).as("captured output").doesNotContain(secret);
			assertThat(downDetails + upHealth.getDetails()).as("health details").doesNotContain(secret);
			assertThat(endpointAnswers).as("endpoint").doesNotContain(secret);
		}
	}

	@Test
	@Timeout(90)
	void payloadsAreLoggedAndShownWhenTheApplicationOptsIn(CapturedOutput output) throws Exception {
		String stream = "shown-orders";
		String group = "shown-group";
		ConfigurableApplicationContext app = start(stream, group,
				"--spring.cloud.stream.redis.binder.log-payloads=true",
				"--spring.cloud.stream.redis.binder.show-payloads=true",
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.enable-dlq=false");
		app.getBean(OrderHandler.class).behave((order) -> {
			throw new IllegalArgumentException("always fails");
		});
		this.redis.xadd(stream, Map.of("payload", order("drop-1", 1)));
		await().atMost(Duration.ofSeconds(20)).until(() -> output.getOut().contains("is dropped because"));
		assertThat(output.getOut()).contains("payload={\"orderId\":\"" + this.marker + "-drop-1\"");
		assertThat(output.getAll()).doesNotContain(this.password);
	}

	private ConfigurableApplicationContext start(String stream, String group, String... extraArgs) {
		// only the first application of a test registers MBeans (the endpoint), the names would clash
		List<String> args = new ArrayList<>(List.of("--spring.jmx.enabled=" + this.contexts.isEmpty(),
				"--management.endpoints.jmx.exposure.include=health,redisstreams",
				// Spring Integration's logger of the global errorChannel prints failed messages with their headers
				// and causes (a converter's quotes the payload): docs/security.md says to turn it off like this
				"--logging.level.org.springframework.integration.handler.LoggingHandler=off",
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.max-deliveries=1",
				"--spring.cloud.stream.redis.binder.health-timeout=1s"));
		args.addAll(List.of(extraArgs));
		String url = "redis://" + USER + ":" + this.password + "@127.0.0.1:" + this.server.port();
		ConfigurableApplicationContext context = OrderTestApp.startOn(url, stream, group, args.toArray(String[]::new));
		this.contexts.add(context);
		return context;
	}

	private void createUser() {
		this.redis.aclSetuser(USER, io.lettuce.core.AclSetuserArgs.Builder.on()
			.addPassword(this.password)
			.allKeys()
			.allChannels()
			.allCommands());
	}

	private String order(String id, int quantity) {
		return "{\"orderId\":\"" + this.marker + "-" + id + "\",\"quantity\":" + quantity + "}";
	}

	private static HealthIndicator health(ConfigurableApplicationContext context) {
		return (HealthIndicator) context.getBean(BindersHealthContributor.class).getContributor("redis");
	}

}
