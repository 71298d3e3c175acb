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

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;

import io.github.redisstreams.binder.test.LoopbackPorts;
import io.github.redisstreams.binder.test.Processes;
import io.github.redisstreams.binder.test.RedisBinaries;

import static org.awaitility.Awaitility.await;

/**
 * A master, its replica and three sentinels ({@code redis-server --sentinel}, quorum 2) on free loopback ports,
 * monitoring the master as {@value #MASTER_NAME}. A master unreachable for one second is failed over.
 */
final class SentinelGroup implements AutoCloseable {

	static final String MASTER_NAME = "mymaster";

	private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

	private final Path directory;

	private final int masterPort;

	private final int replicaPort;

	private final List<Integer> sentinelPorts = new ArrayList<>();

	private final Map<Integer, Process> processes = new ConcurrentHashMap<>();

	private final Map<Integer, StatefulRedisConnection<String, String>> connections = new ConcurrentHashMap<>();

	private final RedisClient admin = RedisClient.create();

	/** Further arguments of both Redis servers, e.g. {@code --min-replicas-to-write 1}. */
	private final List<String> serverArgs;

	private SentinelGroup(Path directory, List<String> serverArgs) throws IOException {
		this.directory = directory;
		this.serverArgs = List.copyOf(serverArgs);
		this.masterPort = LoopbackPorts.freePort();
		int replica = LoopbackPorts.freePort();
		while (replica == this.masterPort) {
			replica = LoopbackPorts.freePort();
		}
		this.replicaPort = replica;
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> Processes.killAll(this.processes.values()), "sentinel-group-killer"));
	}

	/**
	 * @param serverArgs further arguments of the master and the replica
	 */
	static SentinelGroup start(String... serverArgs) throws IOException {
		SentinelGroup group = new SentinelGroup(Files.createTempDirectory("redis-sentinel-group"), List.of(serverArgs));
		try {
			group.create();
		}
		catch (RuntimeException | IOException ex) {
			group.close();
			throw ex;
		}
		return group;
	}

	private void create() throws IOException {
		startServer(this.masterPort, List.of());
		startServer(this.replicaPort, List.of("--replicaof", "127.0.0.1", Integer.toString(this.masterPort)));
		await("replica in sync").atMost(SETUP_TIMEOUT)
			.ignoreExceptions()
			.until(() -> node(this.masterPort).info("replication").contains("state=online"));
		for (int i = 0; i < 3; i++) {
			int port = LoopbackPorts.freePort();
			while (port == this.masterPort || port == this.replicaPort || this.sentinelPorts.contains(port)) {
				port = LoopbackPorts.freePort();
			}
			this.sentinelPorts.add(port);
			Path sentinelDirectory = Files.createDirectories(this.directory.resolve("sentinel-" + port));
			Path config = sentinelDirectory.resolve("sentinel.conf");
			Files.writeString(config, String.join("\n", "port " + port, "bind 127.0.0.1", "dir " + sentinelDirectory,
					"sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + this.masterPort + " 2",
					"sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
					"sentinel failover-timeout " + MASTER_NAME + " 10000", ""));
			this.processes.put(port, new ProcessBuilder(List.of(
					RedisBinaries.redisServer().toString(), config.toString(), "--sentinel"))
				.redirectErrorStream(true)
				.redirectOutput(sentinelDirectory.resolve("sentinel.log").toFile())
				.start());
		}
		for (int port : this.sentinelPorts) {
			await("sentinel " + port + " sees the replica and the other sentinels").atMost(SETUP_TIMEOUT)
				.ignoreExceptions()
				.until(() -> node(port).info("sentinel").contains("status=ok,address=127.0.0.1:" + this.masterPort
						+ ",slaves=1,sentinels=3"));
		}
	}

	private void startServer(int port, List<String> extraArgs) throws IOException {
		Path serverDirectory = Files.createDirectories(this.directory.resolve("redis-" + port));
		List<String> command = new ArrayList<>(List.of(RedisBinaries.redisServer().toString(), "--port",
				Integer.toString(port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync", "yes",
				"--repl-diskless-sync-delay", "0", "--dir", serverDirectory.toString()));
		command.addAll(this.serverArgs);
		command.addAll(extraArgs);
		this.processes.put(port, new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(serverDirectory.resolve("redis.log").toFile())
			.start());
		await("redis-server " + port + " up").atMost(SETUP_TIMEOUT).ignoreExceptions().until(() -> node(port).ping() != null);
	}

	/** The value for {@code spring.data.redis.sentinel.nodes}. */
	String sentinelNodes() {
		return this.sentinelPorts.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

	int masterPort() {
		return this.masterPort;
	}

	int replicaPort() {
		return this.replicaPort;
	}

	/** Commands on one Redis (or sentinel). */
	RedisCommands<String, String> node(int port) {
		return this.connections
			.computeIfAbsent(port, (p) -> this.admin.connect(RedisURI.create("127.0.0.1", p)))
			.sync();
	}

	/** The port of the master as the first sentinel names it. */
	int currentMaster() {
		try (StatefulRedisSentinelConnection<String, String> sentinel = this.admin
			.connectSentinel(RedisURI.create("127.0.0.1", this.sentinelPorts.get(0)))) {
			return ((java.net.InetSocketAddress) sentinel.sync().getMasterAddrByName(MASTER_NAME)).getPort();
		}
	}

	/** Whether a Redis reports itself a replica ({@code ROLE}). */
	boolean isReplica(int port) {
		return node(port).info("replication").contains("role:slave");
	}

	/** Fails the master over without its agreement ({@code SENTINEL FAILOVER}): the replica is promoted. */
	void sentinelFailover() {
		try (StatefulRedisSentinelConnection<String, String> sentinel = this.admin
			.connectSentinel(RedisURI.create("127.0.0.1", this.sentinelPorts.get(0)))) {
			sentinel.sync().failover(MASTER_NAME);
		}
	}

	/** Kills a Redis with SIGKILL, as a crash would. */
	void kill(int port) throws InterruptedException {
		StatefulRedisConnection<String, String> connection = this.connections.remove(port);
		Process process = this.processes.remove(port);
		process.destroyForcibly();
		process.waitFor(10, TimeUnit.SECONDS);
		if (connection != null) {
			connection.closeAsync();
		}
	}

	/** How many clients of a Redis last ran {@code XREADGROUP} (a reading loop's connection). */
	long streamReaders(int port) {
		return node(port).clientList().lines().filter((line) -> line.contains(" cmd=xreadgroup")).count();
	}

	@Override
	public void close() {
		this.connections.values().forEach(StatefulRedisConnection::closeAsync);
		this.admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		Processes.killAll(this.processes.values());
	}

}
