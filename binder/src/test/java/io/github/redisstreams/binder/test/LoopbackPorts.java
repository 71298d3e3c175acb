package io.github.redisstreams.binder.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free ports on the loopback interface for the Redis processes tests start.
 */
public final class LoopbackPorts {

	/** A Redis Cluster node also listens on its port + 10000, for the cluster bus. */
	private static final int CLUSTER_BUS_OFFSET = 10000;

	private LoopbackPorts() {
	}

	/**
	 * A port free at the time of the call.
	 * @return the port
	 */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A port free at the time of the call whose cluster bus port (port + 10000) is free and in range too.
	 * @return the port
	 */
	public static int freeClusterNodePort() {
		while (true) {
			int port = freePort();
			if (port + CLUSTER_BUS_OFFSET <= 65535 && isFree(port + CLUSTER_BUS_OFFSET)) {
				return port;
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
