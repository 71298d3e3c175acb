package io.github.redisstreams.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.redisstreams.sample.order.OrderProcessor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operations side of the sample, as its configuration exposes it: the binder's health details in
 * {@code /actuator/health} and its readiness group, the binder's meters in {@code /actuator/prometheus}, and
 * the {@code redisstreams} endpoint readable but not writable.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ActuatorTests {

	static final SampleSetup setup = new SampleSetup();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void sampleProperties(DynamicPropertyRegistry registry) {
		setup.properties().forEach((name, value) -> registry.add(name, () -> value));
		// the gauges (lag, pending) are read from Redis at this interval
		registry.add("spring.cloud.stream.redis.binder.metrics.refresh-interval", () -> "500ms");
	}

	@AfterAll
	static void cleanUp() {
		RedisClient client = TestRedis.client();
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			TestRedis.delete(connection.sync(), setup.keys());
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void healthShowsTheBindersBindingsAndReadinessIncludesTheBinder() {
		Map<String, Object> health = http().json("/actuator/health");
		assertThat(health).containsEntry("status", "UP");
		Map<String, Object> binding = (Map<String, Object>) at(health, "components", "binders", "components", "redis",
				"details", "bindings", OrderProcessor.BINDING);
		assertThat(binding).containsEntry("stream", setup.destination)
			.containsEntry("group", SampleSetup.GROUP)
			.containsEntry("pending", 0)
			.containsKey("lag");

		Map<String, Object> readiness = http().json("/actuator/health/readiness");
		assertThat(readiness).containsEntry("status", "UP");
		assertThat((Map<String, Object>) readiness.get("components")).containsKeys("readinessState", "binders");
		Map<String, Object> liveness = http().json("/actuator/health/liveness");
		assertThat(liveness).containsEntry("status", "UP");
		// restarting the application does not bring Redis back: the binder stays out of liveness
		assertThat(liveness.toString()).doesNotContain("binders");
	}

	@Test
	void prometheusShowsTheBindersMeters() {
		String orderId = TestRedis.uniqueName("m");
		http().postOrder(orderId, TestRedis.uniqueName("mia"), 1, "2.00");
		await().atMost(Duration.ofSeconds(20)).until(() -> http().processed(orderId));
		String binding = "binding=\"" + OrderProcessor.BINDING + "\"";
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
				http().text("/actuator/prometheus").lines().filter((line) -> line.contains(binding)).toList())
			.anySatisfy((line) -> assertThat(line).startsWith("spring_cloud_stream_binder_redis_acked_total{"))
			.anySatisfy((line) -> assertThat(line).startsWith("spring_cloud_stream_binder_redis_pending{"))
			.anySatisfy((line) -> assertThat(line).startsWith("spring_cloud_stream_binder_redis_lag{")));
	}

	@Test
	@SuppressWarnings("unchecked")
	void theRedisstreamsEndpointIsReadableAndItsWriteOperationsAreOff() {
		Map<String, Object> binding = http().json("/actuator/redisstreams/" + OrderProcessor.BINDING);
		assertThat(binding).containsEntry("stream", setup.destination).containsEntry("group", SampleSetup.GROUP);
		assertThat((Map<String, Object>) binding.get("deadLetters")).containsEntry("stream", setup.deadLetterStream());
		assertThat((List<Object>) binding.get("consumers")).isNotEmpty();

		// replay and purge need management.endpoint.redisstreams.access=unrestricted
		assertThat(http().status(HttpMethod.POST, "/actuator/redisstreams/" + OrderProcessor.BINDING))
			.isBetween(400, 499);
		assertThat(http().status(HttpMethod.DELETE, "/actuator/redisstreams/" + OrderProcessor.BINDING))
			.isBetween(400, 499);
	}

	/**
	 * The value at a path of nested JSON objects.
	 */
	private static Object at(Map<String, Object> json, String... path) {
		Object value = json;
		for (String key : path) {
			assertThat(value).as("object holding '" + key + "'").isInstanceOf(Map.class);
			value = ((Map<?, ?>) value).get(key);
		}
		return value;
	}

	private SampleHttp http() {
		return SampleHttp.on(this.port);
	}

}
