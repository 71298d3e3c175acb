package io.github.redisstreams.checker;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} of the checker's own ({@link RedisServerBinary}: the PATH's or the embedded Redis
 * 6.2), on a free port of the loopback address (never another address), either without persistence or with
 * an append-only file fsynced on every write ({@code appendfsync always}). {@link #kill()} is a crash (SIGKILL); {@link #start()} starts it again on
 * the same port and directory: empty without persistence, with what the AOF kept otherwise.
 */
final class PrivateRedis implements AutoCloseable {

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

	private final int port;

	private final Path directory;

	private final boolean aof;

	private Process process;

	private PrivateRedis(int port, Path directory, boolean aof) {
		this.port = port;
		this.directory = directory;
		this.aof = aof;
		Runtime.getRuntime().addShutdownHook(new Thread(this::killQuietly, "redis-server-" + port + "-killer"));
	}

	static PrivateRedis start(Path directory, boolean aof) {
		try {
			Files.createDirectories(directory);
			PrivateRedis redis = new PrivateRedis(freePort(), directory, aof);
			redis.start();
			return redis;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	synchronized void start() {
		if (this.process != null && this.process.isAlive()) {
			throw new IllegalStateException("redis-server on port " + this.port + " is already running");
		}
		List<String> command = new ArrayList<>(List.of(RedisServerBinary.path().toString(), "--port",
				Integer.toString(this.port), "--bind", "127.0.0.1", "--protected-mode", "yes", "--save", "", "--dir", this.directory.toString(),
				"--logfile", "redis.log"));
		if (this.aof) {
			command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
		}
		else {
			command.addAll(List.of("--appendonly", "no"));
		}
		try {
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("redis-stdout.log").toFile()))
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + RedisServerBinary.path(), ex);
		}
		Process started = this.process;
		await("redis-server answering PING on 127.0.0.1:" + this.port).atMost(STARTUP_TIMEOUT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> {
				if (!started.isAlive()) {
					throw new IllegalStateException("redis-server on port " + this.port + " exited with "
							+ started.exitValue() + "; see " + this.directory.resolve("redis.log"));
				}
				return answersPing();
			});
	}

	/** SIGKILL, as a crash; waits until the process is gone. */
	synchronized void kill() {
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
			throw new IllegalStateException(ex);
		}
		this.process = null;
	}

	boolean persistent() {
		return this.aof;
	}

	int port() {
		return this.port;
	}

	String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	@Override
	public void close() {
		kill();
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder())
				.filter((path) -> !path.getFileName().toString().endsWith(".log"))
				.forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// leftovers in target/ are harmless
		}
	}

	private synchronized void killQuietly() {
		if (this.process != null) {
			this.process.destroyForcibly();
		}
	}

	private boolean answersPing() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 200);
			socket.setSoTimeout(1000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[7];
			int read = in.readNBytes(reply, 0, reply.length);
			// an AOF still loading answers -LOADING
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
