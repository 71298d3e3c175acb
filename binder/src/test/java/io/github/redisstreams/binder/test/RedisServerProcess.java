package io.github.redisstreams.binder.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} process of a test's own, on a free loopback port and without persistence,
 * for scenarios that need to take Redis away: {@link #kill()} ends it with SIGKILL (a crash, not a
 * shutdown), {@link #start()} brings up an empty Redis on the same port again. Runs the
 * {@code redis-server} of {@link RedisBinaries#redisServer()} (the PATH's, or the embedded Redis 6.2) unless
 * given another.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

	private final Path executable;

	private final int port;

	private final Path workDirectory;

	private final List<String> extraArgs;

	private final boolean tls;

	private Process process;

	private RedisServerProcess(Path executable, int port, Path workDirectory, List<String> extraArgs, boolean tls) {
		this.executable = executable;
		this.port = port;
		this.workDirectory = workDirectory;
		this.extraArgs = List.copyOf(extraArgs);
		this.tls = tls;
		// a test JVM that ends abruptly must not leave a redis-server behind
		Runtime.getRuntime().addShutdownHook(new Thread(this::killQuietly, "redis-server-" + port + "-killer"));
	}

	/**
	 * Starts a Redis on a free loopback port and waits until it answers PING.
	 * @return the running server; close it after use
	 */
	public static RedisServerProcess startOnFreePort() {
		return startOnFreePort(RedisBinaries.redisServer(), List.of(), false);
	}

	/**
	 * Starts a Redis of the given binary on a free loopback port and waits until it answers PING.
	 * @param executable a {@code redis-server}, e.g. {@link RedisBinaries#embeddedRedisServer()}
	 * @return the running server; close it after use
	 */
	public static RedisServerProcess startOnFreePort(Path executable) {
		return startOnFreePort(executable, List.of(), false);
	}

	/**
	 * Starts a Redis that speaks TLS only ({@code --port 0 --tls-port <port>}), on a free loopback port, and
	 * waits until it is ready. Clients must present a certificate signed by the CA (Redis's default).
	 * @param certificate the server's certificate (PEM)
	 * @param privateKey its private key (PEM)
	 * @param caCertificate the CA that signed it and the clients' certificates (PEM)
	 * @return the running server; close it after use
	 */
	public static RedisServerProcess startWithTls(Path certificate, Path privateKey, Path caCertificate) {
		return startOnFreePort(RedisBinaries.redisServer(), List.of("--tls-cert-file", certificate.toAbsolutePath().toString(), "--tls-key-file",
				privateKey.toAbsolutePath().toString(), "--tls-ca-cert-file",
				caCertificate.toAbsolutePath().toString()), true);
	}

	private static RedisServerProcess startOnFreePort(Path executable, List<String> extraArgs, boolean tls) {
		try {
			RedisServerProcess server = new RedisServerProcess(executable, LoopbackPorts.freePort(),
					Files.createTempDirectory("redis-server-process"), extraArgs, tls);
			server.start();
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts the server (again) on its port and waits until it answers PING.
	 */
	public synchronized void start() {
		if (isRunning()) {
			throw new IllegalStateException("redis-server on port " + this.port + " is already running");
		}
		List<String> command = new ArrayList<>(List.of(this.executable.toString(), "--bind", "127.0.0.1", "--save", "",
				"--appendonly", "no", "--dir", this.workDirectory.toString()));
		if (this.tls) {
			command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(this.port)));
		}
		else {
			command.addAll(List.of("--port", Integer.toString(this.port)));
		}
		command.addAll(this.extraArgs);
		// truncated at each start: a restart waits for its own "ready" line
		Path log = this.workDirectory.resolve("redis.log");
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		try {
			this.process = builder.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + this.executable, ex);
		}
		await("redis-server answering PING on port " + this.port).atMost(STARTUP_TIMEOUT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> {
				if (!this.process.isAlive()) {
					throw new IllegalStateException("redis-server on port " + this.port + " exited with "
							+ this.process.exitValue() + "; see " + this.workDirectory.resolve("redis.log"));
				}
				return this.tls ? logSaysReady(log) : answersPing();
			});
	}

	/**
	 * Kills the server with SIGKILL, as a crash would, and waits until the process is gone.
	 */
	public synchronized void kill() {
		if (this.process == null) {
			return;
		}
		this.process.destroyForcibly();
		try {
			if (!this.process.waitFor(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
				throw new IllegalStateException("redis-server on port " + this.port + " did not die");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while killing redis-server", ex);
		}
		this.process = null;
	}

	private synchronized void killQuietly() {
		if (this.process != null) {
			this.process.destroyForcibly();
		}
	}

	public synchronized boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/**
	 * The version of the binary this server runs.
	 * @return e.g. 6.2.11
	 */
	public RedisVersion version() {
		return this.executable.equals(RedisBinaries.redisServer()) ? RedisBinaries.redisServerVersion()
				: RedisBinaries.versionOf(this.executable);
	}

	public int port() {
		return this.port;
	}

	/**
	 * The URL for {@code spring.data.redis.url}.
	 * @return {@code redis://127.0.0.1:<port>}
	 */
	public String url() {
		return (this.tls ? "rediss" : "redis") + "://127.0.0.1:" + this.port;
	}

	/**
	 * Kills the server and removes its working directory.
	 */
	@Override
	public void close() {
		kill();
		try {
			Files.deleteIfExists(this.workDirectory.resolve("redis.log"));
			Files.deleteIfExists(this.workDirectory);
		}
		catch (IOException ex) {
			// a leftover temporary directory is harmless
		}
	}

	private boolean answersPing() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 200);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[7];
			int read = in.readNBytes(reply, 0, reply.length);
			return "+PONG\r\n".equals(new String(reply, 0, read, StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static boolean logSaysReady(Path log) throws IOException {
		return Files.exists(log) && Files.readString(log).contains("Ready to accept connections");
	}

}
