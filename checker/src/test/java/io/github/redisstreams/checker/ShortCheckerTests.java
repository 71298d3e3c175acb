package io.github.redisstreams.checker;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short checker suite, run by the normal build: a few scenarios with few messages (kills of
 * consumers, a poison message that halts the JVM, refused output writes), against application JVMs and a
 * private redis-server. Fails when any message was lost, left pending, dead-lettered without reaching its
 * handler or dead-lettered while healthy. The seed is {@code -Dchecker.seed} (7 by default); the report is
 * written to {@code target/checker-short-report.md}, the applications' logs under
 * {@code target/checker-short-logs}.
 */
class ShortCheckerTests {

	@Test
	void noMessageIsLostStuckOrWronglyDeadLettered() throws Exception {
		long seed = Long.getLong("checker.seed", 7);
		CheckerMain.Report report = CheckerMain.run(Scenarios.brief(), seed, Path.of("target", "checker-short-logs"),
				Duration.ofSeconds(60), System.out);
		java.nio.file.Files.writeString(Path.of("target", "checker-short-report.md"), report.text());
		assertThat(report.passed()).as(report.text()).isTrue();
	}

}
