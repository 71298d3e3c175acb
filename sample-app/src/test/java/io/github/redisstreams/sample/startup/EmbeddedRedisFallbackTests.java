package io.github.redisstreams.sample.startup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

import io.github.redisstreams.sample.SampleApplication;
import io.github.redisstreams.sample.SampleHttp;
import io.github.redisstreams.sample.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The first run on a machine without Redis: the sample starts an embedded one when nothing is configured and
 * nothing answers where Redis is looked for (here a closed port instead of localhost:6379, which other tests
 * use), processes orders with it, and stops it when it stops. A configured Redis, or one that answers, is
 * used instead.
 */
class EmbeddedRedisFallbackTests {

	final String destination = TestRedis.uniqueName("orders");

	final String keySpace = TestRedis.uniqueName("embedded");

	@Test
	void withoutRedisTheSampleStartsAnEmbeddedOneAndStopsItOnShutdown() throws IOException {
		assumeThat(System.getenv("SPRING_DATA_REDIS_URL")).as("SPRING_DATA_REDIS_URL configures a Redis").isNull();
		EmbeddedRedis redis;
		try (ConfigurableApplicationContext sample = start("--sample.embedded-redis.probe-address=127.0.0.1:"
				+ closedPort())) {
			redis = sample.getBean(EmbeddedRedis.class);
			assertThat(redis.isRunning()).isTrue();
			assertThat(sample.getEnvironment().getProperty("spring.data.redis.port", Integer.class))
				.isEqualTo(redis.port());
			assertThat(answers(redis.port())).isTrue();

			SampleHttp http = SampleHttp.of(sample);
			http.postOrder("e-1", "erin", 2, "3.50");
			await().atMost(Duration.ofSeconds(30)).until(() -> http.processed("e-1"));
			assertThat(http.json("/orders/stats")).containsEntry("orders", 1).containsEntry("items", 2);
		}
		assertThat(redis.isRunning()).isFalse();
		await().atMost(Duration.ofSeconds(10)).until(() -> !answers(redis.port()));
	}

	@Test
	void aConfiguredRedisIsUsedEvenWhenNothingAnswersAtTheProbeAddress() throws IOException {
		try (ConfigurableApplicationContext sample = start("--spring.data.redis.url=" + TestRedis.url(),
				"--sample.embedded-redis.probe-address=127.0.0.1:" + closedPort())) {
			assertThat(sample.getBeanNamesForType(EmbeddedRedis.class)).isEmpty();
		}
	}

	@Test
	void aRedisAnsweringAtTheProbeAddressIsUsed() {
		URI redis = URI.create(TestRedis.url());
		assumeThat(redis.getUserInfo()).as("the test Redis needs no credentials").isNull();
		try (ConfigurableApplicationContext sample = start(
				"--sample.embedded-redis.probe-address=" + redis.getHost() + ":" + redis.getPort(),
				"--spring.data.redis.port=" + redis.getPort())) {
			assertThat(sample.getBeanNamesForType(EmbeddedRedis.class)).isEmpty();
		}
	}

	@Test
	void switchedOffItStartsNothing() throws IOException {
		GenericApplicationContext context = new GenericApplicationContext();
		TestPropertyValues.of("sample.embedded-redis.enabled=false",
				"sample.embedded-redis.probe-address=127.0.0.1:" + closedPort())
			.applyTo(context);
		new EmbeddedRedisFallback().initialize(context);
		assertThat(context.containsBeanDefinition(EmbeddedRedisFallback.BEAN_NAME)).isFalse();
		assertThat(context.getEnvironment().getPropertySources().contains(EmbeddedRedisFallback.PROPERTY_SOURCE))
			.isFalse();
	}

	@Test
	void dockerComposeSupportCountsAsAConfiguredRedis() throws IOException {
		GenericApplicationContext context = new GenericApplicationContext();
		TestPropertyValues.of("spring.docker.compose.enabled=true",
				"sample.embedded-redis.probe-address=127.0.0.1:" + closedPort())
			.applyTo(context);
		new EmbeddedRedisFallback().initialize(context);
		assertThat(context.containsBeanDefinition(EmbeddedRedisFallback.BEAN_NAME)).isFalse();
	}

	@Test
	void aProbeAddressThatIsNotHostAndPortFailsTheStartNamingTheProperty() {
		assertThatThrownBy(() -> start("--sample.embedded-redis.probe-address=localhost").close())
			.hasStackTraceContaining("sample.embedded-redis.probe-address must be host:port but was 'localhost'");
	}

	@AfterEach
	void deleteKeys() {
		RedisClient client = TestRedis.client();
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			TestRedis.delete(connection.sync(), List.of(this.destination, "{" + this.destination + "}:*",
					"{" + this.keySpace + "}:*"));
		}
		finally {
			client.shutdown();
		}
	}

	private ConfigurableApplicationContext start(String... args) {
		List<String> all = new ArrayList<>(List.of("--server.port=0", "--sample.key-space=" + this.keySpace,
				"--spring.cloud.stream.bindings.processOrder-in-0.destination=" + this.destination,
				"--spring.cloud.stream.bindings.updateAnalytics-in-0.destination=" + this.destination,
				"--spring.cloud.stream.bindings.orders-out-0.destination=" + this.destination));
		all.addAll(List.of(args));
		return new SpringApplicationBuilder(SampleApplication.class).run(all.toArray(String[]::new));
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static boolean answers(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(EmbeddedRedis.HOST, port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
