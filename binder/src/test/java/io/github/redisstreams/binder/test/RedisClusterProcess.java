package io.github.redisstreams.binder.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import static org.awaitility.Awaitility.await;

/**
 * A three-master Redis Cluster of a test's own: three {@code redis-server --cluster-enabled yes} processes
 * ({@link RedisBinaries#redisServer()}) on free loopback ports, each given a third of the slots and joined with
 * {@code CLUSTER ADDSLOTS} and {@code CLUSTER MEET} (what {@code redis-cli --cluster create} does, without
 * needing {@code redis-cli}). Nothing is kept on disk.
 */
public final class RedisClusterProcess implements AutoCloseable {

	private static final int SLOTS = 16384;

	private final List<Integer> ports;

	private final List<Process> processes = new ArrayList<>();

	private final Path directory;

	private RedisClusterProcess(List<Integer> ports, Path directory) {
		this.ports = ports;
		this.directory = directory;
	}

	/**
	 * Starts the three nodes, creates the cluster and waits until every slot is served.
	 * @return the running cluster
	 */
	public static RedisClusterProcess start() throws IOException, InterruptedException {
		List<Integer> ports = List.of(LoopbackPorts.freeClusterNodePort(), LoopbackPorts.freeClusterNodePort(), LoopbackPorts.freeClusterNodePort());
		RedisClusterProcess cluster = new RedisClusterProcess(ports, Files.createTempDirectory("redis-cluster"));
		cluster.startNodes();
		return cluster;
	}

	/**
	 * The value for {@code spring.data.redis.cluster.nodes}.
	 * @return e.g. {@code 127.0.0.1:30001,127.0.0.1:30002,127.0.0.1:30003}
	 */
	public String nodes() {
		return this.ports.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

	/**
	 * A Lettuce cluster client on this cluster, for checks; shut it down after use.
	 */
	public RedisClusterClient client() {
		return RedisClusterClient
			.create(this.ports.stream().map((port) -> io.lettuce.core.RedisURI.create("127.0.0.1", port)).toList());
	}

	@Override
	public void close() {
		for (Process process : this.processes) {
			process.destroyForcibly();
		}
		for (Process process : this.processes) {
			try {
				process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private void startNodes() throws IOException, InterruptedException {
		for (int port : this.ports) {
			Path nodeDirectory = Files.createDirectories(this.directory.resolve(Integer.toString(port)));
			this.processes.add(new ProcessBuilder(List.of(RedisBinaries.redisServer().toString(), "--port",
					Integer.toString(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--save", "",
					"--appendonly", "no", "--dir", nodeDirectory.toString()))
				.redirectErrorStream(true)
				.redirectOutput(nodeDirectory.resolve("redis.log").toFile())
				.start());
		}
		for (int port : this.ports) {
			await("redis-server answering on port " + port).atMost(Duration.ofSeconds(20))
				.ignoreExceptions()
				.until(() -> "PONG".equals(onNode(port, RedisCommands::ping)));
		}
		int share = SLOTS / this.ports.size();
		for (int i = 0; i < this.ports.size(); i++) {
			int first = i * share;
			int last = (i == this.ports.size() - 1) ? SLOTS - 1 : first + share - 1;
			int[] slots = IntStream.rangeClosed(first, last).toArray();
			onNode(this.ports.get(i), (node) -> node.clusterAddSlots(slots));
		}
		int seed = this.ports.get(0);
		for (int port : this.ports.subList(1, this.ports.size())) {
			onNode(seed, (node) -> node.clusterMeet("127.0.0.1", port));
		}
		// every node must see all slots served before a cluster client's topology is complete
		await().atMost(Duration.ofSeconds(30))
			.ignoreExceptions()
			.until(() -> this.ports.stream()
				.allMatch((port) -> onNode(port, RedisCommands::clusterInfo).contains("cluster_state:ok")));
		await().atMost(Duration.ofSeconds(20)).until(this::allSlotsServed);
	}

	private static <T> T onNode(int port, Function<RedisCommands<String, String>, T> command) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return command.apply(connection.sync());
		}
		finally {
			client.shutdown();
		}
	}

	private boolean allSlotsServed() {
		RedisClusterClient client = client();
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			return connection.sync().clusterInfo().contains("cluster_state:ok");
		}
		catch (RuntimeException ex) {
			return false;
		}
		finally {
			client.shutdown();
		}
	}

}
