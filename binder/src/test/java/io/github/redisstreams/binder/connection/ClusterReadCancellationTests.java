package io.github.redisstreams.binder.connection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.support.StreamEntry;
import io.github.redisstreams.binder.test.RedisClusterProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A blocking read under way on a cluster is given up only when the topology says the node it was sent to failed:
 * the application's client shares the event bus and reports the same change again later, when the reads already go
 * to the new, live, owner; giving those up would leave the entries they fetched pending and unseen.
 */
class ClusterReadCancellationTests {

	static RedisClusterProcess cluster;

	static LettuceConnectionFactory factory;

	static RedisStreamConnections connections;

	@BeforeAll
	static void start() throws Exception {
		cluster = RedisClusterProcess.start();
		factory = new LettuceConnectionFactory(new RedisClusterConfiguration(List.of(cluster.nodes().split(","))));
		factory.afterPropertiesSet();
		factory.start();
		connections = new RedisStreamConnections(factory, true);
	}

	@AfterAll
	static void stop() {
		if (connections != null) {
			connections.destroy();
		}
		if (factory != null) {
			factory.destroy();
		}
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	void aReadOnALiveOwnerSurvivesAnEventAboutAFailedFormerOwner() {
		String stream = "{cancel-" + UUID.randomUUID() + "}";
		StreamCommands reader = connections.openDedicated(Duration.ofSeconds(20));
		try {
			CompletableFuture<List<StreamEntry>> read = blockingRead(reader, stream);
			RedisClusterNode owner = owner(stream);
			// the application's client reports a failover of the slot from a master now dead to the live owner
			List<RedisClusterNode> after = new ArrayList<>(nodes());
			after.add(node("dead-former-owner", List.of(), NodeFlag.UPSTREAM, NodeFlag.FAIL));
			List<RedisClusterNode> before = new ArrayList<>();
			for (RedisClusterNode node : nodes()) {
				before.add(node.getNodeId().equals(owner.getNodeId()) ? node(node.getNodeId(), List.of(), NodeFlag.UPSTREAM)
						: node);
			}
			before.add(node("dead-former-owner", owner.getSlots(), NodeFlag.UPSTREAM));
			publish(before, after);
			// the event bus delivers on its own thread: the read must still be under way once it has
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !read.isDone());
			connections.shared().xaddAsync(stream, null, Map.of(StreamCommands.bytes("f"), StreamCommands.bytes("v")));
			assertThat(read.orTimeout(15, java.util.concurrent.TimeUnit.SECONDS).join()).hasSize(1);
		}
		finally {
			connections.close(reader);
		}
	}

	@Test
	void aReadSentToAMasterReportedFailedIsGivenUp() {
		String stream = "{cancel-" + UUID.randomUUID() + "}";
		StreamCommands reader = connections.openDedicated(Duration.ofSeconds(20));
		try {
			CompletableFuture<List<StreamEntry>> read = blockingRead(reader, stream);
			RedisClusterNode owner = owner(stream);
			RedisClusterNode other = nodes().stream().filter((node) -> node != owner).findFirst().orElseThrow();
			List<RedisClusterNode> after = new ArrayList<>();
			for (RedisClusterNode node : nodes()) {
				if (node == owner) {
					after.add(node(node.getNodeId(), List.of(), NodeFlag.UPSTREAM, NodeFlag.FAIL));
				}
				else if (node == other) {
					List<Integer> slots = new ArrayList<>(node.getSlots());
					slots.addAll(owner.getSlots());
					after.add(node(node.getNodeId(), slots, NodeFlag.UPSTREAM));
				}
				else {
					after.add(node);
				}
			}
			publish(nodes(), after);
			await().atMost(Duration.ofSeconds(10)).until(read::isDone);
			assertThat(read).isCompletedExceptionally();
			assertThat(read.handle((entries, ex) -> ex).join()).isInstanceOf(CompletionException.class)
				.hasCauseInstanceOf(RedisException.class)
				.hasMessageContaining("was given up");
		}
		finally {
			connections.close(reader);
		}
	}

	/** Starts a blocking read of new entries and waits until Redis holds it. */
	private static CompletableFuture<List<StreamEntry>> blockingRead(StreamCommands reader, String stream) {
		connections.shared().xgroupCreate(stream, "g", GroupOffset.LAST);
		long blockedBefore = blockedClients(stream);
		CompletableFuture<List<StreamEntry>> read = CompletableFuture
			.supplyAsync(() -> reader.xreadgroup(stream, "g", "c", GroupOffset.NEW_ENTRIES, 10, Duration.ofSeconds(20)));
		await().atMost(Duration.ofSeconds(10)).until(() -> blockedClients(stream) > blockedBefore);
		return read;
	}

	private static long blockedClients(String stream) {
		StatefulRedisClusterConnection<byte[], byte[]> admin = (StatefulRedisClusterConnection<byte[], byte[]>) connections
			.shared()
			.connection();
		String info = admin.getConnection(owner(stream).getNodeId()).sync().info("clients");
		return info.lines()
			.filter((line) -> line.startsWith("blocked_clients:"))
			.mapToLong((line) -> Long.parseLong(line.substring("blocked_clients:".length()).trim()))
			.findFirst()
			.orElseThrow();
	}

	private static RedisClusterNode owner(String stream) {
		return ((StatefulRedisClusterConnection<?, ?>) connections.shared().connection()).getPartitions()
			.getMasterBySlot(SlotHash.getSlot(stream));
	}

	private static List<RedisClusterNode> nodes() {
		return ((StatefulRedisClusterConnection<?, ?>) connections.shared().connection()).getPartitions().getPartitions();
	}

	private static void publish(List<RedisClusterNode> before, List<RedisClusterNode> after) {
		// the application's client's event bus, which the binder's client shares
		factory.getRequiredNativeClient().getResources().eventBus().publish(new ClusterTopologyChangedEvent(before, after));
	}

	private static RedisClusterNode node(String id, List<Integer> slots, NodeFlag flag, NodeFlag... flags) {
		return new RedisClusterNode(io.lettuce.core.RedisURI.create("127.0.0.1", 1), id, true, null, 0, 0, 0, slots,
				EnumSet.of(flag, flags));
	}

}
