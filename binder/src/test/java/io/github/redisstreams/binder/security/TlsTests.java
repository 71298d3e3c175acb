package io.github.redisstreams.binder.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cloud.stream.config.BindersHealthIndicatorAutoConfiguration.BindersHealthContributor;
import org.springframework.cloud.stream.provisioning.ProvisioningException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.MessageBuilder;

import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The binder over TLS, configured as {@code docs/security.md} shows: a Spring Boot SSL bundle (PEM) named by
 * {@code spring.data.redis.ssl.bundle}, against a Redis that speaks TLS only and asks for client certificates.
 * Every connection of the binder (the shared one, each consumer's blocking reader, those of the dead-letter
 * operations) goes through it; a CA the bundle does not trust fails with a message that says so. The
 * certificates are made by {@code openssl} under {@code target/} for each run.
 */
class TlsTests {

	private static Path certificates;

	private static RedisServerProcess server;

	@BeforeAll
	static void startRedisWithTls() throws IOException {
		String name = "tls-" + UUID.randomUUID().toString().substring(0, 8);
		certificates = Files.createDirectories(Path.of("target", name));
		openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA", "-keyout",
				"ca.key", "-out", "ca.crt");
		openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA", "-keyout",
				"other-ca.key", "-out", "other-ca.crt");
		signed("redis", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost");
		signed("client", "order-service", "basicConstraints=CA:FALSE");
		server = RedisServerProcess.startWithTls(file("redis.crt"), file("redis.key"), file("ca.crt"));
	}

	@AfterAll
	static void stopRedis() throws IOException {
		if (server != null) {
			server.close();
		}
		try (var files = Files.list(certificates)) {
			for (Path file : files.toList()) {
				Files.delete(file);
			}
		}
		Files.delete(certificates);
	}

	@Test
	void sendsAndConsumesOverTls() {
		String stream = RedisTestSupport.uniqueName("tls");
		try (RedisBinderHarness app = RedisBinderHarness.startOn(server.url(), bundle("ca.crt"))) {
			Queue<Message<?>> received = new ConcurrentLinkedQueue<>();
			RedisBinderHarness.BoundChannel input = app.bindConsumer(stream, "tls-group",
					app.consumerProperties("input-0"));
			input.channel().subscribe(received::add);
			RedisBinderHarness.BoundChannel output = app.bindProducer(stream, app.producerProperties("output-0"));

			for (int i = 0; i < 5; i++) {
				output.channel().send(MessageBuilder.withPayload("order-" + i).build());
			}

			await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 5);
			StringRedisTemplate redis = app.context().getBean(StringRedisTemplate.class);
			assertThat(redis.opsForStream().size(stream)).isEqualTo(5);
			assertThat(app.context().getBean(RedisStreamDeadLetterOperations.class).count(stream)).isEqualTo(5);
			Health health = health(app).health();
			assertThat(health.getStatus()).as(health.toString()).isEqualTo(Status.UP);
		}
	}

	@Test
	void certificateOfAnUntrustedCaFailsWithAClearMessage() {
		String stream = RedisTestSupport.uniqueName("tls");
		try (RedisBinderHarness app = RedisBinderHarness.startOn(server.url(), bundle("other-ca.crt"))) {
			assertThatThrownBy(() -> app.bindConsumer(stream, "tls-group", app.consumerProperties("input-0")))
				.isInstanceOf(ProvisioningException.class)
				.hasMessageContaining("The TLS handshake with Redis failed (")
				.hasMessageContaining("check spring.data.redis.ssl (the SSL bundle's truststore must hold the CA that "
						+ "signed Redis's certificate)");
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				Health health = health(app).health();
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(health.getDetails().get("error").toString())
					.startsWith("The TLS handshake with Redis failed (");
			});
		}
	}

	/**
	 * The application's SSL settings: a PEM bundle with the given truststore and the client's certificate.
	 */
	private static String[] bundle(String trustedCa) {
		List<String> args = new ArrayList<>();
		args.add("--spring.ssl.bundle.pem.redis.truststore.certificate=file:" + file(trustedCa).toAbsolutePath());
		args.add("--spring.ssl.bundle.pem.redis.keystore.certificate=file:" + file("client.crt").toAbsolutePath());
		args.add("--spring.ssl.bundle.pem.redis.keystore.private-key=file:" + file("client.key").toAbsolutePath());
		args.add("--spring.data.redis.ssl.bundle=redis");
		args.add("--spring.data.redis.timeout=5s");
		args.add("--spring.cloud.stream.redis.binder.health-timeout=5s");
		return args.toArray(String[]::new);
	}

	private static HealthIndicator health(RedisBinderHarness app) {
		return (HealthIndicator) app.context().getBean(BindersHealthContributor.class).getContributor("redis");
	}

	/**
	 * A key and a certificate signed by the test CA.
	 */
	private static void signed(String name, String commonName, String extension) throws IOException {
		Files.writeString(file(name + ".ext"), extension + "\n");
		openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + commonName, "-keyout", name + ".key", "-out",
				name + ".csr");
		openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days",
				"2", "-extfile", name + ".ext", "-out", name + ".crt");
	}

	private static Path file(String name) {
		return certificates.resolve(name);
	}

	private static void openssl(String... args) {
		List<String> command = new ArrayList<>(List.of("openssl"));
		command.addAll(List.of(args));
		try {
			Process process = new ProcessBuilder(command).directory(certificates.toFile())
				.redirectErrorStream(true)
				.start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(process.exitValue()).as("openssl " + String.join(" ", args) + ": " + output).isZero();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
