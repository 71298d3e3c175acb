package io.github.redisstreams.binder.topology;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
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

import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisClusterProcess;
import io.github.redisstreams.binder.test.TransactionalTestApp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The binder on a three-master Redis Cluster: its Lua scripts (dead-lettering, acknowledgement with
 * idempotency markers, lease renewal) work because every derived key shares its stream's slot, and a
 * partitioned destination spreads its streams over the shards.
 */
class RedisClusterTests {

	static RedisClusterProcess cluster;

	static RedisClusterClient client;

	static RedisAdvancedClusterCommands<String, String> redis;

	@BeforeAll
	static void startCluster() throws Exception {
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
	void consumesDeduplicatesAndDeadLettersOnACluster() {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OrderTestApp.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.cluster.nodes=" + cluster.nodes(), "--spring.cloud.function.definition=handleOrder",
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
			redis.xadd("orders", "payload", new Order("c-1", 1).toJson());
			redis.xadd("orders", "payload", new Order("c-2", 0).toJson());

			String dlq = RedisStreamDeadLetterOperations.deadLetterStream("orders", "order-service");
			assertThat(SlotHash.getSlot(dlq)).isEqualTo(SlotHash.getSlot("orders"));
			await().atMost(Duration.ofSeconds(30))
				.until(() -> redis.xlen(dlq) == 1 && redis.xpending("orders", "order-service").getCount() == 0);
			assertThat(handler.invocations("c-1")).isEqualTo(1);
			assertThat(redis.exists("{orders}:order-service:processed:c-1")).isOne();
			assertThat(context.getBean(RedisStreamDeadLetterOperations.class).list(dlq, 10)).singleElement()
				.satisfies((deadLetter) -> assertThat(deadLetter.exceptionMessage()).isEqualTo("quantity must be positive"));
		}
	}

	@Test
	void partitionedDestinationSpreadsItsStreamsOverTheShards() {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(PartitionedApp.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.cluster.nodes=" + cluster.nodes(), "--spring.cloud.function.definition=handleOrder",
					"--spring.cloud.stream.output-bindings=shipments",
					"--spring.cloud.stream.bindings.shipments.destination=shipments",
					"--spring.cloud.stream.bindings.shipments.producer.partition-count=6",
					"--spring.cloud.stream.bindings.shipments.producer.partition-key-expression=payload.orderId",
					"--spring.cloud.stream.bindings.handleOrder-in-0.destination=shipments",
					"--spring.cloud.stream.bindings.handleOrder-in-0.group=shipping",
					"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.partitioned=true",
					"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.instance-count=6",
					"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.instance-index-list=0,1,2,3,4,5",
					"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms")) {
			StreamBridge bridge = context.getBean(StreamBridge.class);
			for (int i = 0; i < 60; i++) {
				bridge.send("shipments", new Order("s-" + i, 1));
			}
			PartitionedApp app = context.getBean(PartitionedApp.class);
			await().atMost(Duration.ofSeconds(30)).until(() -> app.received.size() == 60);

			Set<String> owners = new HashSet<>();
			for (int partition = 0; partition < 6; partition++) {
				String stream = "shipments-" + partition;
				assertThat(redis.xlen(stream)).as(stream).isPositive();
				owners.add(ownerOf(SlotHash.getSlot(stream)));
			}
			assertThat(owners).as("masters holding the partition streams").hasSizeGreaterThan(1);
		}
	}

	/**
	 * WAIT has no key: on a cluster connection it would reach any node, not the one that stored the write.
	 */
	@Test
	void waitForReplicasIsRefusedOnACluster() {
		assertThatThrownBy(() -> new SpringApplicationBuilder(OrderTestApp.class).web(WebApplicationType.NONE)
			.run("--spring.data.redis.cluster.nodes=" + cluster.nodes(), "--spring.cloud.function.definition=handleOrder",
					"--spring.cloud.stream.output-bindings=replicated",
					"--spring.cloud.stream.redis.bindings.replicated.producer.wait-for-replicas=1",
					"--spring.cloud.stream.bindings.handleOrder-in-0.destination=orders-unused",
					"--spring.cloud.stream.bindings.handleOrder-in-0.group=unused")
			.close())
			.hasStackTraceContaining("spring.cloud.stream.redis.bindings.replicated.producer.wait-for-replicas "
					+ "is not supported on Redis Cluster");
	}

	private static String ownerOf(int slot) {
		for (RedisClusterNode node : client.getPartitions()) {
			if (node.hasSlot(slot)) {
				return node.getNodeId();
			}
		}
		throw new IllegalStateException("No node serves slot " + slot);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class PartitionedApp {

		final Set<String> received = java.util.concurrent.ConcurrentHashMap.newKeySet();

		@Bean
		Consumer<Order> handleOrder() {
			return (order) -> this.received.add(order.orderId());
		}

	}

	/**
	 * A transactional processor on a cluster: its output and totals carry the input's hash tag, so its atomic step
	 * (one script) runs in one slot; an output elsewhere fails its entries at once, naming the keys and the fix.
	 */
	@Test
	void transactionalStepsRunInTheInputsSlotAndAStepOutsideItIsDeadLettered() {
		String input = "orders-tx";
		try (ConfigurableApplicationContext app = TransactionalTestApp.start(input, "{orders-tx}:invoices",
				"{orders-tx}:totals", "--spring.data.redis.cluster.nodes=" + cluster.nodes())) {
			for (int i = 1; i <= 3; i++) {
				redis.xadd(input, "payload", new Order("o-" + i, i).toJson());
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen("{orders-tx}:invoices") == 3
					&& redis.xpending(input, "billing").getCount() == 0);
			assertThat(redis.hget("{orders-tx}:totals", "quantity")).isEqualTo("6");
		}
		String elsewhere = "orders-tx-elsewhere";
		assertThat(SlotHash.getSlot("invoices-elsewhere")).isNotEqualTo(SlotHash.getSlot(elsewhere));
		try (ConfigurableApplicationContext app = TransactionalTestApp.start(elsewhere, "invoices-elsewhere",
				"{orders-tx-elsewhere}:totals", "--spring.data.redis.cluster.nodes=" + cluster.nodes())) {
			redis.xadd(elsewhere, "payload", new Order("o-1", 1).toJson());
			String dlq = "{orders-tx-elsewhere}:billing:dlq";
			await().atMost(Duration.ofSeconds(30)).until(() -> redis.exists(dlq) == 1 && redis.xlen(dlq) == 1);
			assertThat(redis.xrange(dlq, io.lettuce.core.Range.create("-", "+")).get(0).getBody().get("x-exception-message"))
				.contains("invoices-elsewhere")
				.contains("hash tag");
			assertThat(redis.exists("invoices-elsewhere", "{orders-tx-elsewhere}:totals")).isZero();
		}
	}

}
