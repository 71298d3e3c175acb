package io.github.redisstreams.binder.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code redisstreams} actuator endpoint over HTTP: reading, replaying and purging dead letters
 * when exposed, unreachable when not; the binder's health and the Prometheus scrape next to it.
 */
class RedisStreamEndpointTests {

	private static final String BINDING = "handle-in-0";

	private static final String GROUP = "endpoint";

	private static final Pattern METER_NAME = Pattern.compile("spring_cloud_stream_binder_redis_[a-z_]+");

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
	void readsReplaysAndPurgesDeadLettersWhenExposed() throws Exception {
		String stream = RedisTestSupport.uniqueName("endpoint");
		String deadLetters = StreamKeys.deadLetterStream(stream, GROUP);
		try (ConfigurableApplicationContext context = start(stream,
				"--management.endpoints.web.exposure.include=health,redisstreams,prometheus",
				"--management.endpoint.redisstreams.access=unrestricted",
				"--spring.cloud.stream.redis.binder.show-payloads=true",
				"--management.endpoint.health.show-details=always",
				"--management.metrics.distribution.percentiles-histogram.spring.cloud.stream.binder.redis=true")) {
			String actuator = actuatorUrl(context);
			EndpointApp app = context.getBean(EndpointApp.class);
			StreamBridge bridge = context.getBean(StreamBridge.class);
			for (int i = 1; i <= 4; i++) {
				bridge.send(stream, "\"order-" + i + "\"");
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.sync().xlen(deadLetters) == 4);

			JsonNode all = get(actuator + "/redisstreams", 200);
			JsonNode binding = all.get("bindings").get(BINDING);
			assertThat(binding.get("stream").asString()).isEqualTo(stream);
			assertThat(binding.get("group").asString()).isEqualTo(GROUP);
			assertThat(binding.get("lag").asLong()).isZero();
			assertThat(binding.get("pending").get("count").asLong()).isZero();
			assertThat(binding.get("consumers").get(0).get("thisInstance").asBoolean()).isTrue();
			assertThat(binding.get("deadLetters").get("stream").asString()).isEqualTo(deadLetters);
			assertThat(binding.get("deadLetters").get("count").asLong()).isEqualTo(4);
			JsonNode newest = binding.get("deadLetters").get("newest");
			assertThat(newest).hasSize(4);
			assertThat(newest.get(0).get("payload").asString()).isEqualTo("\"order-4\"");
			assertThat(newest.get(0).get("exceptionMessage").asString()).isEqualTo("Cannot handle \"order-4\"");
			assertThat(newest.get(0).has("stackTrace")).isFalse();

			String firstId = newest.get(3).get("id").asString();
			JsonNode one = get(actuator + "/redisstreams/" + BINDING + "/" + firstId, 200);
			assertThat(one.get("payload").asString()).isEqualTo("\"order-1\"");
			assertThat(one.get("stackTrace").asString()).contains("IllegalStateException");
			assertThat(get(actuator + "/redisstreams/" + BINDING + "?deadLetters=1", 200).get("deadLetters")
				.get("newest")).hasSize(1);

			app.failing = false;
			// one by its path, without a body (like curl -X POST)
			JsonNode replayedOne = send("POST", actuator + "/redisstreams/" + BINDING + "/" + firstId, null, 200);
			assertThat(replayedOne.get("replayed").asLong()).isEqualTo(1);
			assertThat(replayedOne.get("remaining").asLong()).isEqualTo(3);
			await().atMost(Duration.ofSeconds(10)).until(() -> app.handled.contains("order-1"));

			// some by the ids in the body
			String ids = newest.get(2).get("id").asString() + "," + newest.get(1).get("id").asString();
			JsonNode replayedTwo = send("POST", actuator + "/redisstreams/" + BINDING, "{\"ids\":\"" + ids + "\"}",
					200);
			assertThat(replayedTwo.get("replayed").asLong()).isEqualTo(2);
			assertThat(replayedTwo.get("remaining").asLong()).isEqualTo(1);
			await().atMost(Duration.ofSeconds(10)).until(() -> app.handled.containsAll(List.of("order-2", "order-3")));
			assertThat(app.handled).doesNotContain("order-4");

			// all that are left
			JsonNode replayedAll = send("POST", actuator + "/redisstreams/" + BINDING, "", 200);
			assertThat(replayedAll.get("replayed").asLong()).isEqualTo(1);
			assertThat(replayedAll.get("remaining").asLong()).isZero();
			await().atMost(Duration.ofSeconds(10)).until(() -> app.handled.contains("order-4"));

			app.failing = true;
			bridge.send(stream, "\"order-5\"");
			bridge.send(stream, "\"order-6\"");
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.sync().xlen(deadLetters) == 2);

			// replaying all before the cause is fixed: each goes back once, fails again at once, and the
			// replay still ends with the two that were there when it began
			List<String> failedIds = deadLetterIds(deadLetters);
			JsonNode replayedUnfixed = send("POST", actuator + "/redisstreams/" + BINDING, "", 200);
			assertThat(replayedUnfixed.get("replayed").asLong()).isEqualTo(2);
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(deadLetterIds(deadLetters)).hasSize(2).doesNotContainAnyElementsOf(failedIds));
			String fifthId = redis.sync().xrange(deadLetters, Range.create("-", "+")).get(0).getId();
			JsonNode deletedOne = send("DELETE", actuator + "/redisstreams/" + BINDING + "/" + fifthId, null, 200);
			assertThat(deletedOne.get("deleted").asLong()).isEqualTo(1);
			assertThat(deletedOne.get("remaining").asLong()).isEqualTo(1);
			JsonNode purged = send("DELETE", actuator + "/redisstreams/" + BINDING, null, 200);
			assertThat(purged.get("deleted").asLong()).isEqualTo(1);
			assertThat(redis.sync().xlen(deadLetters)).isZero();
			assertThat(app.handled).doesNotContain("order-5", "order-6");

			// a paused binding stays listed and healthy while its lag grows
			context.getBean(BindingsLifecycleController.class).pause(BINDING);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> get(actuator + "/redisstreams/" + BINDING, 200).get("paused").asBoolean());
			bridge.send(stream, "\"order-7\"");
			await().atMost(Duration.ofSeconds(10))
				.until(() -> get(actuator + "/redisstreams/" + BINDING, 200).get("lag").asLong() == 1);
			JsonNode pausedHealth = get(actuator + "/health", 200).get("components").get("binders");
			assertThat(pausedHealth.get("status").asString()).isEqualTo("UP");
			assertThat(pausedHealth.get("components").get("redis").get("details").get("bindings").get(BINDING)
				.get("paused").asBoolean()).isTrue();
			app.failing = false;
			context.getBean(BindingsLifecycleController.class).resume(BINDING);
			await().atMost(Duration.ofSeconds(10)).until(() -> app.handled.contains("order-7"));

			assertThat(request("GET", actuator + "/redisstreams/no-such-binding", null).statusCode()).isEqualTo(404);
			assertThat(request("POST", actuator + "/redisstreams/no-such-binding", "").statusCode()).isEqualTo(400);

			JsonNode health = get(actuator + "/health", 200);
			JsonNode redisBinder = health.get("components").get("binders").get("components").get("redis");
			assertThat(redisBinder.get("status").asString()).isEqualTo("UP");
			assertThat(redisBinder.get("details").get("bindings").get(BINDING).get("stream").asString())
				.isEqualTo(stream);

			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				String scrape = request("GET", actuator + "/prometheus", null).body();
				assertThat(scrape).contains("spring_cloud_stream_binder_redis_lag{binding=\"" + BINDING + "\"")
					.contains("spring_cloud_stream_binder_redis_dlq_length{binding=\"" + BINDING + "\"")
					.contains("spring_cloud_stream_binder_redis_pending_oldest_age_seconds{")
					.contains("spring_cloud_stream_binder_redis_dead_lettered_total{binding=\"" + BINDING + "\"")
					.contains("spring_cloud_stream_binder_redis_handler_duration_seconds_count{")
					.contains("spring_cloud_stream_binder_redis_end_to_end_latency_seconds_count{")
					.contains("spring_cloud_stream_binder_redis_end_to_end_latency_seconds_bucket{")
					.contains("spring_cloud_stream_binder_redis_sent_total{binding=\"" + stream + "\"");
				// the runbook and the dashboard name only meters that exist
				assertThat(documentedMeterNames()).isNotEmpty().allSatisfy((name) -> assertThat(scrape).contains(name));
			});
		}
		finally {
			redis.sync().del(stream, deadLetters);
		}
	}

	@Test
	void notReachableUnlessExposed() throws Exception {
		String stream = RedisTestSupport.uniqueName("endpoint");
		try (ConfigurableApplicationContext context = start(stream)) {
			String actuator = actuatorUrl(context);
			assertThat(request("GET", actuator + "/redisstreams", null).statusCode()).isEqualTo(404);
			assertThat(request("DELETE", actuator + "/redisstreams/" + BINDING, null).statusCode()).isEqualTo(404);
			assertThat(context.getBeansOfType(RedisStreamEndpoint.class)).isEmpty();
			assertThat(request("GET", actuator + "/health", null).statusCode()).isEqualTo(200);
		}
		finally {
			redis.sync().del(stream);
		}
	}

	@Test
	void readOnlyByDefaultWithoutPayloads() throws Exception {
		String stream = RedisTestSupport.uniqueName("endpoint");
		String deadLetters = StreamKeys.deadLetterStream(stream, GROUP);
		try (ConfigurableApplicationContext context = start(stream,
				"--management.endpoints.web.exposure.include=redisstreams")) {
			String actuator = actuatorUrl(context);
			context.getBean(StreamBridge.class).send(stream, "\"order-1\"");
			await().atMost(Duration.ofSeconds(20)).until(() -> redis.sync().xlen(deadLetters) == 1);

			JsonNode binding = get(actuator + "/redisstreams/" + BINDING, 200);
			assertThat(binding.get("deadLetters").get("count").asLong()).isEqualTo(1);
			// sizes and header names only, unless show-payloads
			JsonNode deadLetter = binding.get("deadLetters").get("newest").get(0);
			assertThat(deadLetter.has("payload")).isFalse();
			assertThat(deadLetter.get("payloadSize").asInt()).isEqualTo(9);
			assertThat(deadLetter.get("headers").get("contentType").asString()).isEqualTo("******");
			assertThat(get(actuator + "/redisstreams/" + BINDING + "/" + deadLetter.get("id").asString(), 200)
				.has("payload")).isFalse();
			assertThat(request("POST", actuator + "/redisstreams/" + BINDING, "").statusCode()).isIn(404, 405);
			assertThat(request("DELETE", actuator + "/redisstreams/" + BINDING, null).statusCode()).isIn(404, 405);
			assertThat(redis.sync().xlen(deadLetters)).isEqualTo(1);
		}
		finally {
			redis.sync().del(stream, deadLetters);
		}
	}

	private static List<String> deadLetterIds(String deadLetters) {
		return redis.sync().xrange(deadLetters, Range.create("-", "+")).stream().map(StreamMessage::getId).toList();
	}

	private static Set<String> documentedMeterNames() throws IOException {
		Set<String> names = new TreeSet<>();
		for (Path doc : List.of(Path.of("..", "docs", "operations.md"),
				Path.of("..", "docs", "grafana", "redis-streams-binder.json"))) {
			Matcher matcher = METER_NAME.matcher(Files.readString(doc));
			while (matcher.find()) {
				names.add(matcher.group());
			}
		}
		return names;
	}

	private static ConfigurableApplicationContext start(String stream, String... extraArgs) {
		List<String> args = new java.util.ArrayList<>(List.of("--server.port=0",
				"--spring.data.redis.url=" + RedisTestSupport.redisUrl(), "--spring.cloud.function.definition=handle",
				"--spring.cloud.stream.bindings." + BINDING + ".destination=" + stream,
				"--spring.cloud.stream.bindings." + BINDING + ".group=" + GROUP,
				"--spring.cloud.stream.bindings." + BINDING + ".consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings." + BINDING + ".consumer.max-deliveries=1",
				"--spring.cloud.stream.redis.default.consumer.block-timeout=200ms",
				"--spring.cloud.stream.redis.binder.metrics.refresh-interval=200ms"));
		args.addAll(List.of(extraArgs));
		return new SpringApplicationBuilder(EndpointApp.class).run(args.toArray(String[]::new));
	}

	private static String actuatorUrl(ConfigurableApplicationContext context) {
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		return "http://localhost:" + port + "/actuator";
	}

	private static JsonNode get(String url, int expectedStatus) throws IOException, InterruptedException {
		return send("GET", url, null, expectedStatus);
	}

	private static JsonNode send(String method, String url, String body, int expectedStatus)
			throws IOException, InterruptedException {
		HttpResponse<String> response = request(method, url, body);
		assertThat(response.statusCode()).as(method + " " + url + ": " + response.body()).isEqualTo(expectedStatus);
		return json.readTree(response.body());
	}

	private static HttpResponse<String> request(String method, String url, String body)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
		if (body != null) {
			request.header("Content-Type", "application/json")
				.method(method, HttpRequest.BodyPublishers.ofString(body));
		}
		else {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class EndpointApp {

		volatile boolean failing = true;

		final List<String> handled = new CopyOnWriteArrayList<>();

		@Bean
		Consumer<String> handle() {
			return (payload) -> {
				if (this.failing) {
					throw new IllegalStateException("Cannot handle \"" + payload + "\"");
				}
				this.handled.add(payload);
			};
		}

	}

}
