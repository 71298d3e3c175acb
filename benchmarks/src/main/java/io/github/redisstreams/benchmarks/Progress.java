package io.github.redisstreams.benchmarks;

import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

/**
 * Progress lines on standard error, so that standard output carries only the report.
 */
final class Progress {

	private Progress() {
	}

	static void log(String line) {
		System.err.println("[" + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] " + line);
	}

}
