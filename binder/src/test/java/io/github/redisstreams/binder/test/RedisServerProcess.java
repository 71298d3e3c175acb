package io.github.redisstreams.binder.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} process of a test's own, on a free loopback port and without persistence,
 * for scenarios that need to take Redis away: {@link #kill()} ends it with SIGKILL (a crash, not a
 * shutdown), {@link #start()} brings up an empty Redis on the same port again. Needs
 * {@code redis-server} on the PATH.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

	private final int port;

	private final Path workDirectory;

	private Process process;

	private RedisServerProcess(int port, Path workDirectory) {
		this.port = port;
		this.workDirectory = workDirectory;
		// a test JVM that ends abruptly must not leave a redis-server behind
		Runtime.getRuntime().addShutdownHook(new Thread(this::killQuietly, "redis-server-" + port + "-killer"));
	}

	/**
	 * Starts a Redis on a free loopback port and waits until it answers PING.
	 * @return the running server; close it after use
	 */
	public static RedisServerProcess startOnFreePort() {
		try {
			RedisServerProcess server = new RedisServerProcess(freePort(),
					Files.createTempDirectory("redis-server-process"));
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
		ProcessBuilder builder = new ProcessBuilder("redis-server", "--port", Integer.toString(this.port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.workDirectory.toString())
			.redirectErrorStream(true)
			.redirectOutput(this.workDirectory.resolve("redis.log").toFile());
		try {
			this.process = builder.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start redis-server (is it installed?)", ex);
		}
		await("redis-server answering PING on port " + this.port).atMost(STARTUP_TIMEOUT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> {
				if (!this.process.isAlive()) {
					throw new IllegalStateException("redis-server on port " + this.port + " exited with "
							+ this.process.exitValue() + "; see " + this.workDirectory.resolve("redis.log"));
				}
				return answersPing();
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

	public int port() {
		return this.port;
	}

	/**
	 * The URL for {@code spring.data.redis.url}.
	 * @return {@code redis://127.0.0.1:<port>}
	 */
	public String url() {
		return "redis://127.0.0.1:" + this.port;
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

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

}
