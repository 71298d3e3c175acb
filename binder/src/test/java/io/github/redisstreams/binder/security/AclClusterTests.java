package io.github.redisstreams.binder.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.config.BindersHealthIndicatorAutoConfiguration.BindersHealthContributor;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisBinaries;
import io.github.redisstreams.binder.test.RedisCli;
import io.github.redisstreams.binder.test.RedisClusterProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On Redis Cluster, the documented consumer rules plus the cluster's own line of {@code docs/security.md}
 * (what Lettuce needs to read the topology), created on every node, let a consumer consume, dead-letter and
 * mark processed keys.
 */
@ExtendWith(OutputCaptureExtension.class)
class AclClusterTests {

	private static RedisClusterProcess cluster;

	private static RedisClusterClient client;

	private static RedisAdvancedClusterCommands<String, String> redis;

	@BeforeAll
	static void startCluster() throws Exception {
		RedisBinaries.redisServerVersion().assumeAtLeast(7, 0, "the selectors in the ACL rules of docs/security.md");
		cluster = RedisClusterProcess.start();
		client = cluster.client();
		StatefulRedisClusterConnection<String, String> connection = client.connect();
		redis = connection.sync();
	}

	@AfterAll
	static void stopCluster() {
		if (client != null) {
			client.shutdown();
		}
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	void consumerWithTheDocumentedRulesOnEveryNode(CapturedOutput output) throws IOException {
		List<String> rules = Files.readAllLines(Path.of("..", "docs", "security.md"))
			.stream()
			.map(String::strip)
			.filter((line) -> line.startsWith("ACL SETUSER order-service "))
			// the additions of a transactional binding are for another test
			.filter((line) -> !line.startsWith("ACL SETUSER order-service ~{orders}:invoices"))
			.toList();
		// the consumer's rules, and the cluster's addition
		assertThat(rules).hasSize(2);
		for (String node : cluster.nodes().split(",")) {
			redisCli(node.substring(node.indexOf(':') + 1), rules);
		}
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OrderTestApp.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.cluster.nodes=" + cluster.nodes(), "--spring.data.redis.username=order-service",
					"--spring.data.redis.password=consumer-secret", "--spring.data.redis.timeout=3s",
					"--spring.cloud.function.definition=handleOrder",
					"--spring.cloud.stream.bindings.handleOrder-in-0.destination=orders",
					"--spring.cloud.stream.bindings.handleOrder-in-0.group=order-service",
					"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1",
					"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
					"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=1",
					"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=1s",
					"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.idempotency.key-expression=payload.orderId")) {
			OrderHandler handler = context.getBean(OrderHandler.class);
			handler.behave((order) -> {
				if (order.quantity() <= 0) {
					throw new IllegalArgumentException("quantity must be positive");
				}
			});
			redis.xadd("orders", "payload", new Order("c-1", 1).toJson());
			redis.xadd("orders", "payload", new Order("c-2", 0).toJson());

			await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen("{orders}:order-service:dlq") == 1
					&& redis.xpending("orders", "order-service").getCount() == 0);
			assertThat(handler.successes("c-1")).isEqualTo(1);
			assertThat(redis.exists("{orders}:order-service:processed:c-1")).isOne();
			HealthIndicator health = (HealthIndicator) context.getBean(BindersHealthContributor.class)
				.getContributor("redis");
			Health current = health.health();
			assertThat(current.getStatus()).as(current.toString()).isEqualTo(Status.UP);
			assertThat(output.getOut()).doesNotContain("NOPERM", "can't run this command", "Redis refused");
		}
	}

	private static void redisCli(String port, List<String> commands) {
		String reply = RedisCli.run(Integer.parseInt(port), null, null, commands);
		assertThat(reply.lines().toList()).as(reply).hasSize(commands.size()).allMatch("OK"::equals);
	}

}
