package io.github.redisstreams.binder.topology;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisBinaries;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connection comes from Spring Boot's {@code spring.data.redis.*} settings, whatever they describe:
 * a master found through Sentinel, or, for a binder declared with its own environment, a Redis of its own.
 */
class SentinelAndMultiBinderTests {

	@Test
	void consumesThroughAMasterFoundBySentinel() throws Exception {
		try (RedisServerProcess master = RedisServerProcess.startOnFreePort(); Sentinel sentinel = Sentinel.start(master.port())) {
			String stream = RedisTestSupport.uniqueName("sentinel");
			try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OrderTestApp.class)
				.web(WebApplicationType.NONE)
				.run("--spring.data.redis.sentinel.master=mymaster",
						"--spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel.port,
						"--spring.cloud.function.definition=handleOrder",
						"--spring.cloud.stream.bindings.handleOrder-in-0.destination=" + stream,
						"--spring.cloud.stream.bindings.handleOrder-in-0.group=sentinel-group",
						"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms")) {
				OrderHandler handler = context.getBean(OrderHandler.class);
				xadd(master.url(), stream, new Order("via-sentinel", 1));
				await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes("via-sentinel") == 1);
			}
		}
	}

	@Test
	void binderWithItsOwnEnvironmentUsesItsOwnRedis() {
		try (RedisServerProcess other = RedisServerProcess.startOnFreePort()) {
			String stream = RedisTestSupport.uniqueName("elsewhere");
			try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OrderTestApp.class)
				.web(WebApplicationType.NONE)
				.run("--spring.data.redis.url=" + RedisTestSupport.redisUrl(),
						"--spring.cloud.function.definition=handleOrder",
						"--spring.cloud.stream.binders.local.type=redis",
						"--spring.cloud.stream.binders.remote.type=redis",
						"--spring.cloud.stream.binders.remote.environment.spring.data.redis.url=" + other.url(),
						"--spring.cloud.stream.default-binder=local",
						"--spring.cloud.stream.bindings.handleOrder-in-0.binder=remote",
						"--spring.cloud.stream.bindings.handleOrder-in-0.destination=" + stream,
						"--spring.cloud.stream.bindings.handleOrder-in-0.group=remote-group",
						"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms")) {
				OrderHandler handler = context.getBean(OrderHandler.class);
				xadd(other.url(), stream, new Order("on-other-redis", 1));
				await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes("on-other-redis") == 1);
				// the group was created on the binder's own Redis, not on the application's
				RedisClient local = RedisTestSupport.client();
				try (StatefulRedisConnection<String, String> connection = local.connect()) {
					assertThat(connection.sync().exists(stream)).isZero();
				}
				finally {
					local.shutdown();
				}
			}
		}
	}

	private static void xadd(String url, String stream, Order order) {
		RedisClient client = RedisClient.create(url);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			RedisCommands<String, String> redis = connection.sync();
			redis.xadd(stream, "payload", order.toJson());
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * A {@code redis-server --sentinel} process monitoring one master as {@code mymaster}.
	 */
	static final class Sentinel implements AutoCloseable {

		final int port;

		private final Process process;

		private Sentinel(int port, Process process) {
			this.port = port;
			this.process = process;
		}

		static Sentinel start(int masterPort) throws IOException {
			int port;
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				port = socket.getLocalPort();
			}
			Path directory = Files.createTempDirectory("redis-sentinel");
			Path config = directory.resolve("sentinel.conf");
			Files.writeString(config, String.join("\n", "port " + port, "bind 127.0.0.1", "dir " + directory,
					"sentinel monitor mymaster 127.0.0.1 " + masterPort + " 1", ""));
			Process process = new ProcessBuilder(
					List.of(RedisBinaries.redisServer().toString(), config.toString(), "--sentinel"))
				.redirectErrorStream(true)
				.redirectOutput(directory.resolve("sentinel.log").toFile())
				.start();
			Sentinel sentinel = new Sentinel(port, process);
			await().atMost(Duration.ofSeconds(20)).until(sentinel::knowsMaster);
			return sentinel;
		}

		private boolean knowsMaster() {
			RedisClient client = RedisClient.create("redis://127.0.0.1:" + this.port);
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				return connection.sync().dispatch(io.lettuce.core.protocol.CommandType.SENTINEL,
						new io.lettuce.core.output.ValueListOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
						new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
							.add("get-master-addr-by-name")
							.add("mymaster"))
					.size() == 2;
			}
			catch (RuntimeException ex) {
				return false;
			}
			finally {
				client.shutdown();
			}
		}

		@Override
		public void close() throws InterruptedException {
			this.process.destroyForcibly();
			this.process.waitFor(10, TimeUnit.SECONDS);
		}

	}

}
