package io.github.redisstreams.benchmarks;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * Progress lines on standard error, so that standard output carries only the report.
 */
final class Progress {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

	private Progress() {
	}

	static void log(String line) {
		System.err.println("[" + TIME.format(LocalTime.now()) + "] " + line);
	}

}
