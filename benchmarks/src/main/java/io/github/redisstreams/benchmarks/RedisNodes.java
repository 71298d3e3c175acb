package io.github.redisstreams.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * Redis processes of the scaling benchmark's own, on free loopback ports, without persistence: one standalone
 * Redis, or a cluster of masters without replicas joined with cluster commands ({@code CLUSTER MEET},
 * {@code ADDSLOTS}). Reads each node's CPU time and command statistics, to compare what Redis spent.
 */
final class RedisNodes implements AutoCloseable {

	private static final int SLOTS = 16384;

	private final List<Integer> ports = new ArrayList<>();

	private final List<Process> processes = new ArrayList<>();

	private final RedisClient admin = RedisClient.create();

	private final Map<Integer, StatefulRedisConnection<String, String>> connections = new LinkedHashMap<>();

	private final boolean cluster;

	private RedisNodes(boolean cluster) {
		this.cluster = cluster;
		Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "redis-nodes-killer"));
	}

	/** One Redis, standalone. */
	static RedisNodes standalone() {
		RedisNodes nodes = new RedisNodes(false);
		nodes.startNode(List.of());
		return nodes;
	}

	/** A cluster of {@code masters} masters sharing the slots evenly. */
	static RedisNodes cluster(int masters) {
		RedisNodes nodes = new RedisNodes(true);
		for (int i = 0; i < masters; i++) {
			nodes.startNode(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"));
		}
		int first = nodes.ports.get(0);
		nodes.ports.stream().skip(1).forEach((port) -> nodes.node(port).clusterMeet("127.0.0.1", first));
		int perMaster = SLOTS / masters;
		for (int i = 0; i < masters; i++) {
			int from = i * perMaster;
			int to = (i == masters - 1) ? SLOTS - 1 : from + perMaster - 1;
			nodes.node(nodes.ports.get(i)).clusterAddSlots(IntStream.rangeClosed(from, to).toArray());
		}
		for (int port : nodes.ports) {
			waitUntil("cluster ok on " + port, () -> nodes.node(port).clusterInfo().contains("cluster_state:ok")
					&& nodes.node(port).clusterInfo().contains("cluster_known_nodes:" + masters));
		}
		return nodes;
	}

	private void startNode(List<String> extraArgs) {
		try {
			int port = freePort();
			Path directory = Files.createTempDirectory("bench-redis-" + port);
			List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
					"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString()));
			command.addAll(extraArgs);
			this.processes.add(new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(directory.resolve("redis.log").toFile())
				.start());
			this.ports.add(port);
			waitUntil("redis-server on " + port, () -> "PONG".equals(node(port).ping()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start redis-server (is it installed?)", ex);
		}
	}

	/** The {@code spring.data.redis.*} property that points the binder at these nodes. */
	String connectionProperty() {
		if (this.cluster) {
			return "spring.data.redis.cluster.nodes="
					+ this.ports.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
		}
		return "spring.data.redis.url=redis://127.0.0.1:" + this.ports.get(0);
	}

	List<Integer> ports() {
		return List.copyOf(this.ports);
	}

	/** Where each node stands: its CPU time and its commands' calls and time, to subtract from a later reading. */
	Map<Integer, NodeCost> read() {
		Map<Integer, NodeCost> costs = new LinkedHashMap<>();
		for (int port : this.ports) {
			costs.put(port, NodeCost.of(node(port).info("cpu"), node(port).info("commandstats")));
		}
		return costs;
	}

	/** The master serving a key's slot. */
	int masterOf(int slot) {
		if (!this.cluster) {
			return this.ports.get(0);
		}
		int perMaster = SLOTS / this.ports.size();
		return this.ports.get(Math.min(slot / perMaster, this.ports.size() - 1));
	}

	private RedisCommands<String, String> node(int port) {
		return this.connections.computeIfAbsent(port, (p) -> this.admin.connect(RedisURI.create("127.0.0.1", p)))
			.sync();
	}

	@Override
	public void close() {
		this.connections.values().forEach(StatefulRedisConnection::close);
		this.admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		killAll();
	}

	private void killAll() {
		for (Process process : this.processes) {
			process.destroyForcibly();
			try {
				process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static void waitUntil(String what, java.util.function.BooleanSupplier condition) {
		Instant deadline = Instant.now().plusSeconds(30);
		while (Instant.now().isBefore(deadline)) {
			try {
				if (condition.getAsBoolean()) {
					return;
				}
			}
			catch (RuntimeException ex) {
				// not up yet
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for " + what, ex);
			}
		}
		throw new IllegalStateException("Timed out waiting for " + what);
	}

	private static int freePort() throws IOException {
		// a cluster node also listens on port + 10000 for the cluster bus
		while (true) {
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				int port = socket.getLocalPort();
				if (port + 10000 <= 65535) {
					try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
						return port;
					}
					catch (IOException busTaken) {
						// try another
					}
				}
			}
		}
	}

	/**
	 * One node's CPU time ({@code used_cpu_user + used_cpu_sys}, all its threads) and, per command, its calls and
	 * microseconds ({@code INFO commandstats}).
	 */
	record NodeCost(double cpuSeconds, Map<String, long[]> commands) {

		static NodeCost of(String cpuInfo, String commandStats) {
			double cpu = 0;
			for (String line : cpuInfo.split("\r?\n")) {
				if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
					cpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
				}
			}
			Map<String, long[]> commands = new LinkedHashMap<>();
			for (String line : commandStats.split("\r?\n")) {
				// cmdstat_xadd:calls=10,usec=50,usec_per_call=5.00,...
				if (line.startsWith("cmdstat_")) {
					String name = line.substring("cmdstat_".length(), line.indexOf(':'));
					long calls = field(line, "calls=");
					long usec = field(line, "usec=");
					commands.put(name, new long[] { calls, usec });
				}
			}
			return new NodeCost(cpu, commands);
		}

		private static long field(String line, String name) {
			int start = line.indexOf(name) + name.length();
			int end = line.indexOf(',', start);
			return Long.parseLong(line.substring(start, (end < 0) ? line.length() : end));
		}

		/** What this node spent since an earlier reading. */
		NodeCost minus(NodeCost earlier) {
			Map<String, long[]> delta = new LinkedHashMap<>();
			this.commands.forEach((name, now) -> {
				long[] before = earlier.commands.getOrDefault(name, new long[2]);
				if (now[0] > before[0]) {
					delta.put(name, new long[] { now[0] - before[0], now[1] - before[1] });
				}
			});
			return new NodeCost(this.cpuSeconds - earlier.cpuSeconds, delta);
		}

		long commandMicros() {
			return this.commands.values().stream().mapToLong((c) -> c[1]).sum();
		}

		long calls() {
			return this.commands.values().stream().mapToLong((c) -> c[0]).sum();
		}

	}

}
