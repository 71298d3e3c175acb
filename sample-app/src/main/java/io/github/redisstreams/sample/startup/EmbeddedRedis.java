package io.github.redisstreams.sample.startup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import redis.embedded.RedisServer;

import org.springframework.beans.factory.DisposableBean;

/**
 * A {@code redis-server} process from the {@code embedded-redis} artifact (Redis 6.2), on a free loopback
 * port, that keeps nothing on disk: no snapshots, no append-only file. It lives as long as the application
 * context that holds it as a bean; a JVM that ends without closing the context (Ctrl-C) still stops it
 * through the artifact's shutdown hook, but a killed JVM ({@code kill -9}) leaves it running.
 */
public final class EmbeddedRedis implements DisposableBean {

	static final String HOST = "127.0.0.1";

	private final RedisServer server;

	private final int port;

	private EmbeddedRedis(RedisServer server, int port) {
		this.server = server;
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
			RedisServer server = RedisServer.newRedisServer()
				.port(port)
				.bind(HOST)
				.setting("save \"\"")
				.setting("appendonly no")
				.onShutdownForceStop(true)
				.build();
			server.start();
			return new EmbeddedRedis(server, port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The embedded Redis did not start on " + HOST + ":" + port, ex);
		}
	}

	public int port() {
		return this.port;
	}

	public String address() {
		return HOST + ":" + this.port;
	}

	public boolean isRunning() {
		return this.server.isActive();
	}

	@Override
	public void destroy() throws IOException {
		this.server.stop();
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
