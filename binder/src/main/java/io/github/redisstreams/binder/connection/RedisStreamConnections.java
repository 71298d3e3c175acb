package io.github.redisstreams.binder.connection;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.StringUtils;

/**
 * The binder's Lettuce connections, opened with the client that Spring Boot configured from
 * {@code spring.data.redis.*} (URL, credentials, SSL, Sentinel or Cluster).
 * <p>
 * Two kinds of connection, because a blocking {@code XREADGROUP} or {@code WAIT} holds its connection for the
 * whole block time: one shared connection for every non-blocking command of the binder (writes, acks, claims,
 * scripts), on which Lettuce pipelines commands from all threads, and one dedicated connection per reading loop
 * and per producer binding that waits for replicas. The binder uses its own connections rather than the
 * application's shared one so that its blocking reads and bursts of writes never queue behind, or in front of, the
 * application's own Redis traffic. On a cluster, a reading loop's read under way on a failed master is given up
 * and sent again to the slot's new owner ({@link ClusterSlotMoves}).
 */
public class RedisStreamConnections implements DisposableBean {

	private static final Log logger = LogFactory.getLog(RedisStreamConnections.class);

	/** The failure of a static master/replica setup, which the binder does not support. */
	static final String STATIC_MASTER_REPLICA_UNSUPPORTED = "The Redis Streams binder supports standalone, Sentinel "
			+ "and Cluster setups, not a static master/replica configuration (RedisStaticMasterReplicaConfiguration)";

	/** What a refused connection is recorded as. */
	private static final String CONNECTION = "the connection";

	private final AbstractRedisClient client;

	/** The binder's own client when flushes are consolidated, else null (the application's client is used). */
	private final BinderRedisClient ownClient;

	private final Duration commandTimeout;

	private final List<StatefulConnection<byte[], byte[]>> opened = new CopyOnWriteArrayList<>();

	private volatile StreamCommands shared;

	private final RedisRefusals refusals;

	/** On a cluster, what moves the dedicated connections' reads to a slot's new owner; null otherwise. */
	private final ClusterSlotMoves slotMoves;

	/**
	 * Connections of the application's client, writing as the application's connections do.
	 * @param connectionFactory the application's connection factory
	 */
	public RedisStreamConnections(RedisConnectionFactory connectionFactory) {
		this(connectionFactory, false);
	}

	/**
	 * @param connectionFactory the application's connection factory
	 * @param consolidateFlushes whether the connections group their socket writes, on a client of the binder's own
	 * (see the class description)
	 */
	public RedisStreamConnections(RedisConnectionFactory connectionFactory, boolean consolidateFlushes) {
		if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
			throw new IllegalStateException("The Redis Streams binder needs Lettuce (Spring Boot's default Redis client), "
					+ "but the application's RedisConnectionFactory is a " + connectionFactory.getClass().getName());
		}
		this.ownClient = consolidateFlushes ? BinderRedisClient.copyOf(lettuce) : null;
		this.client = (this.ownClient != null) ? this.ownClient.client() : lettuce.getRequiredNativeClient();
		this.commandTimeout = lettuce.getClientConfiguration().getCommandTimeout();
		this.refusals = new RedisRefusals(user(lettuce));
		this.slotMoves = (this.client instanceof RedisClusterClient cluster) ? new ClusterSlotMoves(cluster) : null;
	}

	/**
	 * What Redis currently refuses to these connections (ACL permissions, credentials, TLS).
	 * @return the refusals, kept until the same command succeeds again
	 */
	public RedisRefusals refusals() {
		return this.refusals;
	}

	/**
	 * The connection shared by the binder's non-blocking commands (writes, acknowledgements, claims,
	 * scripts), opened on first use.
	 * @return commands over the shared connection
	 */
	public StreamCommands shared() {
		StreamCommands commands = this.shared;
		if (commands == null) {
			synchronized (this) {
				commands = this.shared;
				if (commands == null) {
					commands = new StreamCommands(open(), this.commandTimeout, this.refusals);
					this.shared = commands;
				}
			}
		}
		return commands;
	}

	/**
	 * Opens a connection of its own for commands that must not share the shared connection (a producer whose
	 * {@code WAIT} would block it). Its command timeout is the configured one.
	 * @return commands over the new connection; close it with {@link #close(StreamCommands)}
	 */
	public StreamCommands openConnection() {
		return new StreamCommands(open(), this.commandTimeout, this.refusals);
	}

	/**
	 * Opens a connection for one reading loop. Its command timeout is the block time plus the
	 * configured command timeout, so that a long {@code BLOCK} never times out on the client side.
	 * @param blockTimeout the longest block of the reads on this connection
	 * @return commands over the new connection; close it with {@link #close(StreamCommands)}
	 */
	public StreamCommands openDedicated(Duration blockTimeout) {
		StatefulConnection<byte[], byte[]> connection = open();
		Duration timeout = blockTimeout.plus(this.commandTimeout);
		connection.setTimeout(timeout);
		StreamCommands commands = new StreamCommands(connection, timeout, this.refusals);
		if (this.slotMoves != null) {
			this.slotMoves.add(commands);
		}
		return commands;
	}

	/**
	 * Closes a connection obtained from {@link #openDedicated(Duration)}.
	 * @param commands the commands of that connection
	 */
	public void close(StreamCommands commands) {
		if (this.slotMoves != null) {
			this.slotMoves.remove(commands);
		}
		this.opened.remove(commands.connection());
		closeQuietly(commands.connection());
	}

	/**
	 * The command timeout of {@code spring.data.redis.timeout} (Lettuce's default when not set).
	 * @return the timeout of a non-blocking command
	 */
	public Duration commandTimeout() {
		return this.commandTimeout;
	}

	/**
	 * Whether Redis runs as a cluster.
	 * @return true for Redis Cluster
	 */
	public boolean isCluster() {
		return this.client instanceof RedisClusterClient;
	}

	@Override
	public void destroy() {
		if (this.slotMoves != null) {
			this.slotMoves.close();
		}
		for (StatefulConnection<byte[], byte[]> connection : this.opened) {
			closeQuietly(connection);
		}
		this.opened.clear();
		this.shared = null;
		if (this.ownClient != null) {
			this.ownClient.destroy();
		}
	}

	private StatefulConnection<byte[], byte[]> open() {
		StatefulConnection<byte[], byte[]> connection;
		try {
			connection = connect();
		}
		catch (RuntimeException ex) {
			if (!RedisErrors.isAccessFailure(ex)) {
				throw ex;
			}
			// Lettuce says "Unable to connect to host:port": say why, credentials or TLS, not an outage
			this.refusals.refused(CONNECTION, ex);
			throw new RedisConnectionException(RedisErrors.explainAccessFailure(ex, this.refusals.user()) + " ["
					+ ex.getMessage() + "]", ex);
		}
		if (this.refusals.any()) {
			this.refusals.accepted(CONNECTION);
		}
		this.opened.add(connection);
		return connection;
	}

	private StatefulConnection<byte[], byte[]> connect() {
		StatefulConnection<byte[], byte[]> connection;
		if (this.client instanceof RedisClusterClient clusterClient) {
			StatefulRedisClusterConnection<byte[], byte[]> cluster = clusterClient.connect(ByteArrayCodec.INSTANCE);
			connection = cluster;
		}
		else {
			try {
				StatefulRedisConnection<byte[], byte[]> standalone = ((RedisClient) this.client)
					.connect(ByteArrayCodec.INSTANCE);
				connection = standalone;
			}
			catch (IllegalStateException ex) {
				// a client without a default URI: Spring Data's static master/replica setup
				throw new IllegalStateException(STATIC_MASTER_REPLICA_UNSUPPORTED, ex);
			}
		}
		return connection;
	}

	/**
	 * The user the connection factory authenticates as: the one of its standalone, Sentinel or Cluster
	 * configuration, {@code default} when none is set (Redis's user for a password alone, or no password).
	 */
	private static String user(LettuceConnectionFactory factory) {
		RedisConfiguration configuration = factory.isClusterAware() ? factory.getClusterConfiguration()
				: factory.isRedisSentinelAware() ? factory.getSentinelConfiguration()
						: factory.getStandaloneConfiguration();
		if (configuration instanceof RedisConfiguration.WithAuthentication authentication
				&& StringUtils.hasText(authentication.getUsername())) {
			return authentication.getUsername();
		}
		return "default";
	}

	private static void closeQuietly(StatefulConnection<byte[], byte[]> connection) {
		try {
			// not isOpen(): a connection that lost Redis is not open but still holds queued commands, which
			// only closing fails; one the client already closed (at shutdown) must not be closed twice
			if (!(connection instanceof RedisChannelHandler<?, ?> handler) || !handler.isClosed()) {
				connection.close();
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Failed to close a Redis connection", ex);
		}
	}

}
