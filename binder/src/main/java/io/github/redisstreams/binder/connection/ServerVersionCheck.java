package io.github.redisstreams.binder.connection;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Checks once per binder, before its first binding, that the Redis server is one the binder supports
 * ({@link RedisServerVersion#MINIMUM} or newer), so that an older server fails the start with the version
 * found instead of failing later on the first command it does not know. The check needs {@code INFO}; a user
 * whose ACL rules do not allow it, or a Redis not reachable yet, is logged and the binder goes on (its
 * commands then fail by themselves if the server is too old).
 */
public final class ServerVersionCheck {

	private static final Log logger = LogFactory.getLog(ServerVersionCheck.class);

	private ServerVersionCheck() {
	}

	/**
	 * Reads the server's version with {@code INFO server} over the shared connection and refuses one that is
	 * too old.
	 * @param connections the binder's connections
	 * @throws IllegalStateException when the server is older than {@link RedisServerVersion#MINIMUM}
	 */
	public static void verify(RedisStreamConnections connections) {
		String info;
		try {
			info = connections.shared().infoServer();
		}
		catch (RuntimeException ex) {
			if (RedisErrors.isNoPermission(ex)) {
				logger.info("Redis server version not checked: Redis user '" + connections.refusals().user()
						+ "' may not run INFO; the binder needs Redis " + RedisServerVersion.MINIMUM + " or newer");
			}
			else {
				logger.warn("Redis server version not checked (" + ex.getMessage() + "); the binder needs Redis "
						+ RedisServerVersion.MINIMUM + " or newer");
			}
			return;
		}
		RedisServerVersion version = RedisServerVersion.fromInfo(info).orElse(null);
		if (version == null) {
			logger.warn("Redis server version not checked: INFO server reports no redis_version");
			return;
		}
		requireSupported(version);
		if (logger.isInfoEnabled()) {
			logger.info("Redis server " + version + (version.reportsGroupLag() ? ""
					: ": XINFO GROUPS reports no lag before Redis 7.0, the binder counts it (up to a limit)"));
		}
	}

	/**
	 * Refuses a server older than {@link RedisServerVersion#MINIMUM}.
	 * @param version the server's version
	 * @throws IllegalStateException naming the version found and the one needed
	 */
	static void requireSupported(RedisServerVersion version) {
		if (!version.isAtLeast(RedisServerVersion.MINIMUM)) {
			throw new IllegalStateException("Redis server " + version + " is not supported: the Redis Streams binder"
					+ " needs Redis " + RedisServerVersion.MINIMUM + " or newer (it uses XTRIM MINID, XPENDING IDLE"
					+ " and XGROUP CREATECONSUMER). Upgrade the server, or point spring.data.redis.* at a newer one.");
		}
	}

}
