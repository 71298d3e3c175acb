package io.github.redisstreams.binder.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import static org.awaitility.Awaitility.await;

/**
 * A three-master Redis Cluster of a test's own: three {@code redis-server --cluster-enabled yes} processes
 * on free loopback ports, joined with {@code redis-cli --cluster create}. Nothing is kept on disk.
 */
public final class RedisClusterProcess implements AutoCloseable {

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
		List<Integer> ports = List.of(freePort(), freePort(), freePort());
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
			this.processes.add(new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind",
					"127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--save", "",
					"--appendonly", "no", "--dir", nodeDirectory.toString()))
				.redirectErrorStream(true)
				.redirectOutput(nodeDirectory.resolve("redis.log").toFile())
				.start());
		}
		List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
		this.ports.forEach((port) -> create.add("127.0.0.1:" + port));
		create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
		await().atMost(Duration.ofSeconds(20)).until(() -> runQuietly(create) == 0);
		await().atMost(Duration.ofSeconds(20)).until(this::allSlotsServed);
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

	private int runQuietly(List<String> command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("create.log").toFile())
			.start();
		return process.waitFor(20, TimeUnit.SECONDS) ? process.exitValue() : -1;
	}

	private static int freePort() throws IOException {
		// cluster nodes also listen on port + 10000 for the cluster bus: keep both in range
		while (true) {
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				int port = socket.getLocalPort();
				if (port + 10000 <= 65535 && isFree(port + 10000)) {
					return port;
				}
			}
		}
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
