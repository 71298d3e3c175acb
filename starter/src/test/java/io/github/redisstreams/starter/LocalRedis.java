package io.github.redisstreams.starter;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import redis.embedded.RedisServer;

import static org.awaitility.Awaitility.await;

/**
 * The Redis the starter's test runs against, found without any test support of the binder's: the URL in
 * {@code SPRING_DATA_REDIS_URL} (or the {@code spring.data.redis.url} system property), else a Redis answering on
 * 127.0.0.1:6379, else a {@code redis-server} started on a free port and stopped by {@link #close()}: the
 * {@code PATH}'s, or without one the Redis 6.2 binary of the {@code com.github.codemonstur:embedded-redis} test
 * dependency.
 */
final class LocalRedis implements AutoCloseable {

	private static final int DEFAULT_PORT = 6379;

	private final String url;

	private final Process process;

	private final RedisServer embedded;

	private LocalRedis(String url, Process process, RedisServer embedded) {
		this.url = url;
		this.process = process;
		this.embedded = embedded;
	}

	static LocalRedis find() throws IOException {
		String configured = System.getenv("SPRING_DATA_REDIS_URL");
		if (configured == null || configured.isBlank()) {
			configured = System.getProperty("spring.data.redis.url");
		}
		if (configured != null && !configured.isBlank()) {
			return new LocalRedis(configured, null, null);
		}
		if (answersPing(DEFAULT_PORT)) {
			return new LocalRedis("redis://127.0.0.1:" + DEFAULT_PORT, null, null);
		}
		return start();
	}

	String url() {
		return this.url;
	}

	private static LocalRedis start() throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		Process process = null;
		RedisServer embedded = null;
		try {
			process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
					"--save", "", "--appendonly", "no")
				.redirectErrorStream(true)
				.redirectOutput(new File("target", "redis-" + port + ".log"))
				.start();
		}
		catch (IOException notOnPath) {
			// no redis-server on the PATH: the binary shipped in the embedded-redis test dependency
			embedded = RedisServer.newRedisServer()
				.port(port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			embedded.start();
		}
		LocalRedis redis = new LocalRedis("redis://127.0.0.1:" + port, process, embedded);
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> answersPing(port));
		}
		catch (RuntimeException ex) {
			redis.close();
			throw ex;
		}
		return redis;
	}

	private static boolean answersPing(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			socket.setSoTimeout(1000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
				.readLine();
			return "+PONG".equals(reply);
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		if (this.embedded != null) {
			try {
				this.embedded.stop();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		if (this.process != null) {
			this.process.destroy();
			try {
				this.process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
