package io.github.redisstreams.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.RedisClusterProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample unchanged on a Redis Cluster of three masters: only {@code spring.data.redis.cluster.nodes}
 * differs. Orders are processed, dead-lettered and counted, and the totals and analytics, read at one instant
 * with a script on keys of one hash slot, answer (a {@code MULTI} would not: cluster clients do not offer it).
 */
class ClusterTests {

	static RedisClusterProcess cluster;

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = RedisClusterProcess.start();
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void theSampleRunsUnchangedOnACluster() {
		SampleSetup setup = new SampleSetup();
		List<String> args = new ArrayList<>(List.of(setup.args()));
		args.removeIf((arg) -> arg.startsWith("--spring.data.redis.url="));
		args.add("--spring.data.redis.cluster.nodes=" + cluster.nodes());
		try (ConfigurableApplicationContext sample = new SpringApplicationBuilder(SampleApplication.class)
			.run(args.toArray(String[]::new))) {
			SampleHttp http = SampleHttp.of(sample);
			http.postOrder("k-1", "kim", 2, "10.00");
			http.postOrder("k-2", "kim", 1, "5.25");
			http.postOrder("k-3", "lee", 0, "1.00"); // invalid: quantity 0

			await().atMost(Duration.ofSeconds(30)).until(() -> http.processed("k-1") && http.processed("k-2"));
			Map<String, Object> stats = http.json("/orders/stats");
			assertThat(stats).containsEntry("orders", 2).containsEntry("items", 3).containsEntry("amount", 15.25);
			assertThat((Map<String, Object>) stats.get("customers")).containsOnlyKeys("kim");

			await().atMost(Duration.ofSeconds(30))
				.until(() -> ((Number) http.json("/orders/dlq").get("count")).longValue() == 1);
			assertThat(http.json("/orders/dlq")).containsEntry("location", setup.deadLetterStream());

			await().atMost(Duration.ofSeconds(30))
				.until(() -> ((Number) http.json("/orders/analytics").get("orders")).longValue() == 2);
			assertThat(http.json("/actuator/health")).containsEntry("status", "UP");
		}
	}

}
