package io.github.redisstreams.binder.test;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} process of a test's own, on a free loopback port, for scenarios that stop or
 * restart Redis. It keeps nothing on disk, so a restart starts empty, like a Redis without persistence.
 */
public final class RedisServerProcess implements AutoCloseable {

	private final int port;

	private Process process;

	private RedisServerProcess(int port) {
		this.port = port;
	}

	/**
	 * Starts {@code redis-server} on a free port and waits until it answers.
	 * @return the running server
	 */
	public static RedisServerProcess start() {
		RedisServerProcess server = new RedisServerProcess(freePort());
		server.startAgain();
		return server;
	}

	public int port() {
		return this.port;
	}

	public String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	/**
	 * Kills the server at once (SIGKILL), as a crash would, and waits until the port is closed.
	 */
	public void kill() {
		if (this.process != null) {
			this.process.destroyForcibly();
			await().atMost(Duration.ofSeconds(10)).until(() -> !this.process.isAlive() && !answers());
			this.process = null;
		}
	}

	/**
	 * Starts the server again on the same port, empty, and waits until it answers.
	 */
	public void startAgain() {
		try {
			this.process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(this.port), "--bind",
					"127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"))
				.redirectErrorStream(true)
				.redirectOutput(new File(System.getProperty("java.io.tmpdir"), "redis-test-" + this.port + ".log"))
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start redis-server (is it installed?)", ex);
		}
		await().atMost(Duration.ofSeconds(10)).until(this::answers);
	}

	@Override
	public void close() {
		kill();
	}

	private boolean answers() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			socket.getOutputStream().write("PING\r\n".getBytes());
			byte[] reply = new byte[7];
			int read = socket.getInputStream().read(reply);
			return read > 0 && new String(reply, 0, read).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
