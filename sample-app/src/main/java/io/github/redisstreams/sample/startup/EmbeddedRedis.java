package io.github.redisstreams.sample.startup;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import redis.embedded.core.ExecutableProvider;

import org.springframework.beans.factory.DisposableBean;

/**
 * A {@code redis-server} process with the binary of the {@code embedded-redis} artifact (Redis 6.2), on a
 * free loopback port, that keeps nothing on disk: no snapshots, no append-only file. It lives as long as the
 * application context that holds it as a bean, which Spring Boot closes on Ctrl-C and SIGTERM after the
 * bindings have stopped. The process is started here rather than with the artifact's {@code RedisServer},
 * whose own JVM shutdown hook would stop Redis alongside Spring Boot's, under consumers still finishing their
 * entries. A killed JVM ({@code kill -9}) leaves the process running.
 */
public final class EmbeddedRedis implements DisposableBean {

	static final String HOST = "127.0.0.1";

	private static final long START_TIMEOUT_MILLIS = 10_000;

	private final Process process;

	private final int port;

	private EmbeddedRedis(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/**
	 * Starts a Redis server and waits until it accepts connections.
	 * @return the running server
	 * @throws UncheckedIOException when the binary cannot be extracted or the server does not start
	 */
	static EmbeddedRedis start() {
		int port = freePort();
		try {
			File binary = ExecutableProvider.newJarResourceProvider().get();
			Path directory = Files.createTempDirectory("sample-redis");
			Path log = directory.resolve("redis.log");
			Process process = new ProcessBuilder(List.of(binary.getAbsolutePath(), "--port", Integer.toString(port),
					"--bind", HOST, "--save", "", "--appendonly", "no", "--dir", directory.toString()))
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			EmbeddedRedis redis = new EmbeddedRedis(process, port);
			long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
			while (!answers(port)) {
				if (!process.isAlive() || System.currentTimeMillis() > deadline) {
					redis.destroy();
					throw new IOException("redis-server " + binary + " did not start: " + Files.readString(log).strip());
				}
				TimeUnit.MILLISECONDS.sleep(50);
			}
			return redis;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The embedded Redis did not start on " + HOST + ":" + port, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while the embedded Redis started", ex);
		}
	}

	public int port() {
		return this.port;
	}

	public String address() {
		return HOST + ":" + this.port;
	}

	public boolean isRunning() {
		return this.process.isAlive();
	}

	/**
	 * Stops the server (SIGTERM: it exits at once, having nothing to save).
	 */
	@Override
	public void destroy() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			this.process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}

	static boolean answers(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(HOST, port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("No free port on " + HOST + " for the embedded Redis", ex);
		}
	}

}
