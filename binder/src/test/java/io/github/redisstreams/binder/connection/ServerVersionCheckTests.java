package io.github.redisstreams.binder.connection;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.messaging.support.MessageBuilder;

import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisServerProcess;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The binder refuses a Redis older than 6.2 at its start, naming the version found and the minimum, and
 * goes on without the check when it may not run {@code INFO}.
 */
@ExtendWith(OutputCaptureExtension.class)
class ServerVersionCheckTests {

	@Test
	void aServerOlderThan62IsRefusedWithTheVersionFoundAndTheMinimum() {
		String info = "# Server\r\nredis_version:6.0.16\r\nredis_git_sha1:00000000\r\n";
		RedisServerVersion old = RedisServerVersion.fromInfo(info).orElseThrow();

		assertThatThrownBy(() -> ServerVersionCheck.requireSupported(old)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("Redis server 6.0.16 is not supported")
			.hasMessageContaining("needs Redis 6.2.0 or newer");
		assertThatThrownBy(() -> ServerVersionCheck.requireSupported(new RedisServerVersion(5, 9, 9)))
			.hasMessageContaining("5.9.9");
	}

	@Test
	void versions62AndNewerAreAccepted() {
		for (String version : new String[] { "6.2.0", "6.2.11", "7.0.15", "7.4.2", "8.0.0", "10.1.0" }) {
			RedisServerVersion parsed = RedisServerVersion.fromInfo("redis_version:" + version).orElseThrow();
			assertThat(parsed).hasToString(version);
			assertThatCode(() -> ServerVersionCheck.requireSupported(parsed)).doesNotThrowAnyException();
		}
		assertThat(new RedisServerVersion(6, 2, 11).reportsGroupLag()).isFalse();
		assertThat(new RedisServerVersion(7, 0, 0).reportsGroupLag()).isTrue();
	}

	@Test
	void theVersionOfTheTestRedisIsRead() {
		String info = RedisTestSupport.commands().info("server");

		assertThat(RedisServerVersion.fromInfo(info)).isPresent()
			.get()
			.satisfies((version) -> assertThat(version.isAtLeast(RedisServerVersion.MINIMUM)).isTrue());
		assertThat(RedisServerVersion.fromInfo("# Server\r\nuptime_in_seconds:1\r\n")).isEmpty();
	}

	@Test
	void aUserWhoMayNotRunInfoIsLoggedAndTheBinderWorks(CapturedOutput output) {
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort()) {
			RedisClient admin = RedisClient.create(server.url());
			try (StatefulRedisConnection<String, String> connection = admin.connect()) {
				connection.sync().aclSetuser("no-info",
						io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("secret").allCommands().allKeys()
							.removeCommand(io.lettuce.core.protocol.CommandType.INFO));
			}
			finally {
				admin.shutdown();
			}
			String url = "redis://no-info:secret@127.0.0.1:" + server.port();
			try (RedisBinderHarness app = RedisBinderHarness.startOn(url)) {
				String stream = RedisTestSupport.uniqueName("no-info");
				RedisBinderHarness.BoundChannel orders = app.bindProducer(stream, app.producerProperties("out-0"));
				orders.channel().send(MessageBuilder.withPayload("o-1").build());

				assertThat(output.getOut()).contains("Redis server version not checked: Redis user 'no-info' may not"
						+ " run INFO");
				RedisClient check = RedisClient.create(server.url());
				try (StatefulRedisConnection<String, String> connection = check.connect()) {
					assertThat(connection.sync().xlen(stream)).isOne();
				}
				finally {
					check.shutdown();
				}
			}
		}
	}

}
