package io.github.redisstreams.binder.topology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import io.github.redisstreams.binder.test.LoopbackPorts;
import io.github.redisstreams.binder.test.Processes;
import io.github.redisstreams.binder.test.RedisBinaries;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of three masters with one replica each, on free loopback ports, built with cluster commands
 * only ({@code CLUSTER MEET}, {@code ADDSLOTS}, {@code REPLICATE}): it needs {@code redis-server} and nothing
 * else. A short node timeout (1 s) makes the cluster fail a dead master over within seconds. Offers the faults of
 * the failover tests: a manual failover, a killed node, a slot moved to another master.
 */
final class ReplicatedRedisCluster implements AutoCloseable {

	private static final int SLOTS = 16384;

	private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

	private final Path directory;

	/** Ports in creation order: three masters, then the replica of each. */
	private final List<Integer> ports = new ArrayList<>();

	private final Map<Integer, Process> processes = new ConcurrentHashMap<>();

	private final Map<Integer, StatefulRedisConnection<String, String>> connections = new ConcurrentHashMap<>();

	private final RedisClient admin = RedisClient.create();

	private ReplicatedRedisCluster(Path directory) {
		this.directory = directory;
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> Processes.killAll(this.processes.values()), "replicated-cluster-killer"));
	}

	static ReplicatedRedisCluster start() throws IOException {
		ReplicatedRedisCluster cluster = new ReplicatedRedisCluster(Files.createTempDirectory("redis-replicated"));
		try {
			cluster.create();
		}
		catch (RuntimeException | IOException ex) {
			cluster.close();
			throw ex;
		}
		return cluster;
	}

	private void create() throws IOException {
		for (int i = 0; i < 6; i++) {
			int port = LoopbackPorts.freeClusterNodePort();
			while (this.ports.contains(port) || this.ports.contains(port + 10000) || this.ports.contains(port - 10000)) {
				port = LoopbackPorts.freeClusterNodePort();
			}
			this.ports.add(port);
			Path nodeDirectory = Files.createDirectories(this.directory.resolve(Integer.toString(port)));
			this.processes.put(port, new ProcessBuilder(List.of(RedisBinaries.redisServer().toString(), "--port",
					Integer.toString(port),
					"--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
					"--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0", "--save", "",
					"--appendonly", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", "--dir",
					nodeDirectory.toString()))
				.redirectErrorStream(true)
				.redirectOutput(nodeDirectory.resolve("redis.log").toFile())
				.start());
		}
		for (int port : this.ports) {
			await("node " + port + " up").atMost(SETUP_TIMEOUT).ignoreExceptions().until(() -> node(port).ping() != null);
		}
		int first = this.ports.get(0);
		this.ports.stream().skip(1).forEach((port) -> node(port).clusterMeet("127.0.0.1", first));
		int perMaster = SLOTS / 3;
		for (int i = 0; i < 3; i++) {
			int from = i * perMaster;
			int to = (i == 2) ? SLOTS - 1 : from + perMaster - 1;
			node(this.ports.get(i)).clusterAddSlots(IntStream.rangeClosed(from, to).toArray());
		}
		for (int port : this.ports) {
			await("node " + port + " knows all nodes").atMost(SETUP_TIMEOUT)
				.until(() -> node(port).clusterInfo().contains("cluster_known_nodes:6"));
		}
		for (int i = 3; i < 6; i++) {
			String masterId = node(this.ports.get(i - 3)).clusterMyId();
			int replica = this.ports.get(i);
			await("replica " + replica + " attached").atMost(SETUP_TIMEOUT)
				.ignoreExceptions()
				.until(() -> "OK".equals(node(replica).clusterReplicate(masterId)));
		}
		for (int i = 0; i < 3; i++) {
			int master = this.ports.get(i);
			await("replica of " + master + " in sync").atMost(SETUP_TIMEOUT)
				.until(() -> node(master).info("replication").contains("state=online"));
		}
		for (int port : this.ports) {
			await("cluster ok on " + port).atMost(SETUP_TIMEOUT)
				.until(() -> node(port).clusterInfo().contains("cluster_state:ok") && replicasKnown(port));
		}
	}

	/** Every node sees three masters with slots and three replicas. */
	private boolean replicasKnown(int port) {
		Partitions partitions = partitions(port);
		long replicas = partitions.stream().filter((n) -> n.is(RedisClusterNode.NodeFlag.REPLICA)).count();
		long masters = partitions.stream().filter((n) -> !n.hasNoSlots()).count();
		return replicas == 3 && masters == 3;
	}

	/**
	 * The value for {@code spring.data.redis.cluster.nodes}: every node, so that the client can start even while
	 * one is down.
	 */
	String nodes() {
		return this.ports.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

	/** A Lettuce cluster client on this cluster, for checks; shut it down after use. */
	RedisClusterClient client() {
		return RedisClusterClient.create(this.ports.stream().map((port) -> RedisURI.create("127.0.0.1", port)).toList());
	}

	/** Commands on one node, without cluster routing. */
	RedisCommands<String, String> node(int port) {
		return this.connections
			.computeIfAbsent(port, (p) -> this.admin.connect(RedisURI.create("127.0.0.1", p)))
			.sync();
	}

	/** The topology as one live node sees it. */
	Partitions partitions(int port) {
		return ClusterPartitionParser.parse(node(port).clusterNodes());
	}

	/** The port of the master serving a slot, as the first live node sees it. */
	int masterOf(int slot) {
		for (RedisClusterNode node : partitions(anyLivePort())) {
			if (node.hasSlot(slot) && !node.is(RedisClusterNode.NodeFlag.FAIL)) {
				return node.getUri().getPort();
			}
		}
		throw new IllegalStateException("No live master serves slot " + slot);
	}

	/** The port of the replica of a master. */
	int replicaOf(int masterPort) {
		Partitions partitions = partitions(masterPort);
		String masterId = node(masterPort).clusterMyId();
		for (RedisClusterNode node : partitions) {
			if (masterId.equals(node.getSlaveOf())) {
				return node.getUri().getPort();
			}
		}
		throw new IllegalStateException("Master " + masterPort + " has no replica");
	}

	/** A live master other than the one given. */
	int otherMaster(int masterPort) {
		for (RedisClusterNode node : partitions(masterPort)) {
			if (!node.hasNoSlots() && node.getUri().getPort() != masterPort
					&& !node.is(RedisClusterNode.NodeFlag.FAIL)) {
				return node.getUri().getPort();
			}
		}
		throw new IllegalStateException("No other master");
	}

	/** The replica takes over from its master with the master's agreement ({@code CLUSTER FAILOVER}). */
	void manualFailover(int replicaPort) {
		node(replicaPort).clusterFailover(false);
	}

	/** Kills a node with SIGKILL, as a crash would. */
	void kill(int port) throws InterruptedException {
		StatefulRedisConnection<String, String> connection = this.connections.remove(port);
		Process process = this.processes.remove(port);
		process.destroyForcibly();
		process.waitFor(10, TimeUnit.SECONDS);
		if (connection != null) {
			connection.closeAsync();
		}
	}

	/**
	 * Moves one slot and its keys to another master as {@code redis-cli --cluster reshard} does: the target
	 * imports, the source migrates, the keys move with {@code MIGRATE}, and every master learns the new owner.
	 * @param slot the slot to move
	 * @param targetPort the master that takes it
	 * @return how many keys moved
	 */
	int moveSlot(int slot, int targetPort) {
		int sourcePort = masterOf(slot);
		String sourceId = node(sourcePort).clusterMyId();
		String targetId = node(targetPort).clusterMyId();
		node(targetPort).clusterSetSlotImporting(slot, sourceId);
		node(sourcePort).clusterSetSlotMigrating(slot, targetId);
		int moved = 0;
		List<String> keys;
		while (!(keys = node(sourcePort).clusterGetKeysInSlot(slot, 100)).isEmpty()) {
			node(sourcePort).migrate("127.0.0.1", targetPort, 0, 10_000,
					MigrateArgs.Builder.<String>keys(keys));
			moved += keys.size();
		}
		node(targetPort).clusterSetSlotNode(slot, targetId);
		node(sourcePort).clusterSetSlotNode(slot, targetId);
		for (int port : masters()) {
			if (port != sourcePort && port != targetPort) {
				node(port).clusterSetSlotNode(slot, targetId);
			}
		}
		return moved;
	}

	/** The live masters. */
	List<Integer> masters() {
		List<Integer> masters = new ArrayList<>();
		for (RedisClusterNode node : partitions(anyLivePort())) {
			if (!node.hasNoSlots() && !node.is(RedisClusterNode.NodeFlag.FAIL)) {
				masters.add(node.getUri().getPort());
			}
		}
		return masters;
	}

	/** How many clients of a node are blocked in {@code XREADGROUP} or last ran it. */
	long streamReaders(int port) {
		return node(port).clientList().lines().filter((line) -> line.contains(" cmd=xreadgroup")).count();
	}

	/** The master's offset in its replication stream, and what its replica has acknowledged. */
	String replication(int masterPort) {
		return node(masterPort).info("replication");
	}

	private int anyLivePort() {
		return this.ports.stream().filter(this.processes::containsKey).findFirst().orElseThrow();
	}

	@Override
	public void close() {
		this.connections.values().forEach(StatefulRedisConnection::closeAsync);
		this.admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		Processes.killAll(this.processes.values());
	}

}
