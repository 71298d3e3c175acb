package io.github.redisstreams.binder.connection;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.RedisStaticMasterReplicaConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.support.StreamEntry;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The binder's connections with flush consolidation: a client of the binder's own with the application's settings
 * and resources, whose channels carry the consolidation handler while the application's do not, and on which a
 * burst of asynchronous writes and a lone command both complete, in order.
 */
class FlushConsolidationTests {

	/** The channels every client of the application's resources opened, as their customizer saw them. */
	private final Set<Channel> channels = ConcurrentHashMap.newKeySet();

	private final NettyCustomizer recorder = new NettyCustomizer() {
		@Override
		public void afterChannelInitialized(Channel channel) {
			FlushConsolidationTests.this.channels.add(channel);
		}
	};

	private ClientResources resources;

	private LettuceConnectionFactory application;

	private RedisStreamConnections connections;

	/** A connection of the test's own, on database 3 (SELECT would change the JVM's shared one for other tests). */
	private io.lettuce.core.RedisClient testClient;

	private RedisCommands<String, String> database3;

	private final List<String> keys = new ArrayList<>();

	@BeforeEach
	void start() {
		this.resources = DefaultClientResources.builder().nettyCustomizer(this.recorder).build();
		RedisStandaloneConfiguration standalone = (RedisStandaloneConfiguration) LettuceConnectionFactory
			.createRedisConfiguration(RedisTestSupport.redisUrl());
		// a database and a client name of the application's own: the binder's client must use them too
		standalone.setDatabase(3);
		LettuceClientConfiguration client = LettuceClientConfiguration.builder()
			.clientResources(this.resources)
			.clientName("flush-consolidation-test")
			.commandTimeout(Duration.ofSeconds(5))
			.build();
		this.testClient = RedisTestSupport.client();
		this.database3 = this.testClient.connect().sync();
		this.database3.select(3);
		this.application = new LettuceConnectionFactory(standalone, client);
		this.application.afterPropertiesSet();
		this.application.start();
	}

	@AfterEach
	void stop() {
		if (this.connections != null) {
			this.connections.destroy();
		}
		this.application.destroy();
		this.resources.shutdown(0, 2, TimeUnit.SECONDS);
		this.keys.forEach(this.database3::unlink);
		this.testClient.shutdown();
	}

	/**
	 * A static master/replica setup is refused with the same clear error by the binder's own client (which would
	 * otherwise fall back to the factory's default localhost:6379) and by the application's.
	 */
	@Test
	void aStaticMasterReplicaSetupIsRefusedClearly() {
		io.lettuce.core.RedisURI test = io.lettuce.core.RedisURI.create(RedisTestSupport.redisUrl());
		LettuceConnectionFactory staticSetup = new LettuceConnectionFactory(
				new RedisStaticMasterReplicaConfiguration(test.getHost(), test.getPort()));
		staticSetup.afterPropertiesSet();
		staticSetup.start();
		try {
			assertThatThrownBy(() -> new RedisStreamConnections(staticSetup, true).destroy())
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("not a static master/replica configuration");
			RedisStreamConnections applicationClient = new RedisStreamConnections(staticSetup, false);
			assertThatThrownBy(applicationClient::shared).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("not a static master/replica configuration");
			applicationClient.destroy();
		}
		finally {
			staticSetup.destroy();
		}
	}

	@Test
	void onlyTheBindersConnectionsConsolidateFlushes() {
		this.application.getConnection().ping();
		Set<Channel> applicationChannels = Set.copyOf(this.channels);
		assertThat(applicationChannels).isNotEmpty();

		this.connections = new RedisStreamConnections(this.application, true);
		this.connections.shared().xlen("flush-consolidation-absent");
		StreamCommands dedicated = this.connections.openDedicated(Duration.ofMillis(100));
		dedicated.xlen("flush-consolidation-absent");

		Set<Channel> binderChannels = new java.util.HashSet<>(this.channels);
		binderChannels.removeAll(applicationChannels);
		assertThat(binderChannels).as("channels of the binder's connections, opened with the application's resources")
			.hasSize(2)
			.allSatisfy((channel) -> assertThat(FlushConsolidation.isInstalled(channel)).isTrue());
		assertThat(applicationChannels).allSatisfy((channel) -> assertThat(FlushConsolidation.isInstalled(channel))
			.as("the application's own connection").isFalse());
		assertThat(this.connections.commandTimeout()).isEqualTo(Duration.ofSeconds(5));
		this.connections.close(dedicated);
	}

	@Test
	void aBurstOfAsynchronousWritesAndALoneCommandBothComplete() throws Exception {
		this.connections = new RedisStreamConnections(this.application, true);
		String stream = RedisTestSupport.uniqueName("flush-consolidation");
		this.keys.add(stream);
		StreamCommands shared = this.connections.shared();

		List<RedisFuture<String>> replies = new ArrayList<>();
		for (int i = 0; i < 20_000; i++) {
			replies.add(shared.xaddAsync(stream, null,
					Map.of("n".getBytes(StandardCharsets.UTF_8), Integer.toString(i).getBytes(StandardCharsets.UTF_8))));
		}
		for (RedisFuture<String> reply : replies) {
			reply.get(30, TimeUnit.SECONDS);
		}
		// a lone command after the burst: flushed by itself, well within the 5 s command timeout
		assertThat(shared.xlen(stream)).isEqualTo(20_000);

		List<StreamEntry> entries = shared.xrange(stream, "-", "+", 20_000);
		assertThat(entries).hasSize(20_000);
		for (int i = 0; i < entries.size(); i++) {
			assertThat(new String(entries.get(i).fields().get("n"), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(i));
		}
		// the application's database and client name are the binder client's too
		assertThat(this.database3.xlen(stream)).isEqualTo(20_000);
		assertThat(RedisTestSupport.commands().exists(stream)).isZero();
		assertThat(this.database3.clientList()).contains("name=flush-consolidation-test");
	}

}
