package io.github.redisstreams.binder.connection;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Optional;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.resource.ClientResources;

import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisStaticMasterReplicaConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.RedisCredentialsProviderFactory;
import org.springframework.util.ReflectionUtils;

/**
 * A Lettuce client of the binder's own, for connections whose socket writes are grouped
 * ({@link FlushConsolidation}) without changing how the application's other Redis connections write.
 * <p>
 * It is the application's client in everything else: the same Redis setup (standalone, Sentinel or Cluster, from
 * the application's connection factory), the same client configuration (credentials, TLS, timeouts, client
 * options, client name), and the same event loops, timer and metrics ({@link ClientResources} shared, not
 * copied), so it adds no threads. Spring Data's own factory builds it, so that every {@code spring.data.redis.*}
 * setting means the same for both clients.
 */
final class BinderRedisClient {

	private final LettuceConnectionFactory factory;

	private BinderRedisClient(LettuceConnectionFactory factory) {
		this.factory = factory;
	}

	/**
	 * Builds and starts the client.
	 * @param application the application's connection factory, started
	 * @return the binder's client
	 */
	static BinderRedisClient copyOf(LettuceConnectionFactory application) {
		ClientResources resources = FlushConsolidation.on(application.getRequiredNativeClient().getResources());
		LettuceClientConfiguration configuration = new WithResources(application.getClientConfiguration(), resources);
		LettuceConnectionFactory factory = new LettuceConnectionFactory(redisConfiguration(application),
				configuration);
		// only the native client is used: no shared or pooled connection of the factory's own
		factory.setShareNativeConnection(false);
		factory.afterPropertiesSet();
		factory.start();
		return new BinderRedisClient(factory);
	}

	AbstractRedisClient client() {
		return this.factory.getRequiredNativeClient();
	}

	/** Shuts the client down; the shared resources stay the application's. */
	void destroy() {
		this.factory.destroy();
	}

	private static RedisConfiguration redisConfiguration(LettuceConnectionFactory application) {
		if (isStaticMasterReplica(application)) {
			// the factory answers such a setup with its default standalone configuration, localhost:6379
			throw new IllegalStateException(RedisStreamConnections.STATIC_MASTER_REPLICA_UNSUPPORTED);
		}
		if (application.isClusterAware()) {
			return application.getClusterConfiguration();
		}
		if (application.isRedisSentinelAware()) {
			return application.getSentinelConfiguration();
		}
		if (application.getSocketConfiguration() != null) {
			return application.getSocketConfiguration();
		}
		return application.getStandaloneConfiguration();
	}

	/**
	 * Whether the factory was built with a {@link RedisStaticMasterReplicaConfiguration}, which it tells only through
	 * its configuration field (read here; if a later Spring Data renames it, the check finds nothing and the
	 * connections fail on first use as they do with the application's client).
	 */
	static boolean isStaticMasterReplica(LettuceConnectionFactory factory) {
		Field field = ReflectionUtils.findField(LettuceConnectionFactory.class, "configuration", RedisConfiguration.class);
		if (field == null) {
			return false;
		}
		ReflectionUtils.makeAccessible(field);
		return ReflectionUtils.getField(field, factory) instanceof RedisStaticMasterReplicaConfiguration;
	}

	/** The application's client configuration with other client resources. */
	private record WithResources(LettuceClientConfiguration delegate, ClientResources resources)
			implements LettuceClientConfiguration {

		@Override
		public boolean isUseSsl() {
			return this.delegate.isUseSsl();
		}

		@Override
		public boolean isVerifyPeer() {
			return this.delegate.isVerifyPeer();
		}

		@Override
		public SslVerifyMode getVerifyMode() {
			return this.delegate.getVerifyMode();
		}

		@Override
		public boolean isStartTls() {
			return this.delegate.isStartTls();
		}

		@Override
		public Optional<ClientResources> getClientResources() {
			return Optional.of(this.resources);
		}

		@Override
		public Optional<ClientOptions> getClientOptions() {
			return this.delegate.getClientOptions();
		}

		@Override
		public Optional<String> getClientName() {
			return this.delegate.getClientName();
		}

		@Override
		public Optional<ReadFrom> getReadFrom() {
			return this.delegate.getReadFrom();
		}

		@Override
		public Optional<RedisCredentialsProviderFactory> getRedisCredentialsProviderFactory() {
			return this.delegate.getRedisCredentialsProviderFactory();
		}

		@Override
		public Duration getCommandTimeout() {
			return this.delegate.getCommandTimeout();
		}

		@Override
		public Duration getShutdownTimeout() {
			return this.delegate.getShutdownTimeout();
		}

		@Override
		public Duration getShutdownQuietPeriod() {
			return this.delegate.getShutdownQuietPeriod();
		}

	}

}
