package io.github.redisstreams.binder.partitioning;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.RedisClusterProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dynamic partition assignment on a three-master Redis Cluster: the member list and every partition's lease are
 * single keys handled by one script call each, the lease in its partition stream's slot, so two instances share
 * the partitions and consume them wherever their streams live.
 */
class DynamicPartitionsClusterTests {

	private static final int PARTITIONS = 6;

	static RedisClusterProcess cluster;

	static RedisClusterClient client;

	static StatefulRedisClusterConnection<String, String> connection;

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = RedisClusterProcess.start();
		client = cluster.client();
		connection = client.connect();
	}

	@AfterAll
	static void stopCluster() {
		if (connection != null) {
			connection.close();
		}
		if (client != null) {
			client.shutdown();
		}
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	void twoInstancesShareThePartitionsOfAClusterAndConsumeEveryKeyInOrder() {
		RedisAdvancedClusterCommands<String, String> redis = connection.sync();
		String destination = RedisTestSupport.uniqueName("cluster-shared");
		try (ConfigurableApplicationContext first = start(destination, "x");
				ConfigurableApplicationContext second = start(destination, "y")) {
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				Map<String, Integer> owned = new HashMap<>();
				for (int partition = 0; partition < PARTITIONS; partition++) {
					String token = redis.get(PartitionKeys.lease(destination + "-" + partition, "shared"));
					assertThat(token).as("owner of partition " + partition).isNotNull();
					owned.merge(token.substring(0, token.indexOf('-')), 1, Integer::sum);
				}
				assertThat(owned).isEqualTo(Map.of("x", 3, "y", 3));
			});
			int keys = 12;
			int perKey = 10;
			for (int sequence = 1; sequence <= perKey; sequence++) {
				for (int key = 0; key < keys; key++) {
					redis.xadd(destination + "-" + (key % PARTITIONS), "payload", "key-" + key + ":" + sequence);
				}
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> {
				for (int key = 0; key < keys; key++) {
					if (redis.llen(destination + ":seen:key-" + key) < perKey) {
						return false;
					}
				}
				return true;
			});
			for (int key = 0; key < keys; key++) {
				List<String> seen = redis.lrange(destination + ":seen:key-" + key, 0, -1);
				PartitionRebalanceJvmTests.assertInOrder("key-" + key, seen, perKey, "(none)");
			}
		}
	}

	private static ConfigurableApplicationContext start(String destination, String instanceId) {
		String binding = "recordOrder-in-0";
		String redisPrefix = "--spring.cloud.stream.redis.bindings." + binding + ".consumer.";
		return new SpringApplicationBuilder(KeyedOrderConsumer.class).web(WebApplicationType.NONE)
			.run("--spring.data.redis.cluster.nodes=" + cluster.nodes(), "--spring.cloud.function.definition=recordOrder",
					"--spring.cloud.stream.bindings." + binding + ".destination=" + destination,
					"--spring.cloud.stream.bindings." + binding + ".group=shared",
					"--spring.cloud.stream.bindings." + binding + ".consumer.partitioned=true",
					"--spring.cloud.stream.redis.binder.instance-id=" + instanceId,
					redisPrefix + "partition-assignment=dynamic", redisPrefix + "partition-count=" + PARTITIONS,
					redisPrefix + "partition-lease-time=900ms", redisPrefix + "block-timeout=100ms");
	}

}
