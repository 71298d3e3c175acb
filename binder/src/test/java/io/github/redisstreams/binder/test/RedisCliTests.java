package io.github.redisstreams.binder.test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Without {@code redis-cli}, {@link RedisCli} parses command lines and prints replies as redis-cli does, so that
 * tests pasting documented lines mean the same on a machine without it.
 */
class RedisCliTests {

	@Test
	void linesAreSplitAsRedisCliSplitsThem() {
		assertThat(RedisCli.split("ACL SETUSER u reset on >p ~orders \"(+xadd ~{orders}:g:dlq)\" '(+set ~a:*)'"))
			.containsExactly("ACL", "SETUSER", "u", "reset", "on", ">p", "~orders", "(+xadd ~{orders}:g:dlq)",
					"(+set ~a:*)");
		assertThat(RedisCli.split("  SET k \"a\\tb\\x41\\\"\"  'it\\'s'  ")).containsExactly("SET", "k", "a\tbA\"",
				"it's");
		assertThat(RedisCli.split("")).isEmpty();
		assertThatThrownBy(() -> RedisCli.split("SET k \"open")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> RedisCli.split("SET k \"a\"b")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void theSocketFallbackPrintsWhatRedisCliPrints() {
		try (RedisServerProcess server = RedisServerProcess.startOnFreePort()) {
			List<String> lines = List.of("SET k \"a b\"", "GET k", "GET missing", "XADD s 1-1 f v", "XLEN s",
					"XRANGE s - +", "NOSUCHCOMMAND x", "ACL SETUSER u reset on >pw ~s +xlen", "DEL k");
			String fallback = RedisCli.runOverSocket(server.port(), null, null, lines);
			assertThat(fallback).startsWith("OK\na b\n\n1-1\n1\n1-1\nf\nv\nERR unknown command")
				.endsWith("OK\n1\n");
			assertThat(RedisCli.runOverSocket(server.port(), "u", "pw", List.of("XLEN s", "GET k")))
				.startsWith("1\nNOPERM");

			// and, where redis-cli is installed, exactly what it prints for the same lines on a fresh server
			Optional<Path> cli = RedisBinaries.redisCli();
			if (cli.isPresent()) {
				server.kill();
				server.start();
				assertThat(RedisCli.runCli(cli.get(), server.port(), null, null, lines)).isEqualTo(fallback);
			}
		}
	}

}
