package io.github.redisstreams.checker;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the checker's scenarios one after the other, prints the result table and the details, writes
 * them to a report file, and exits with status 1 when a scenario failed.
 * <p>
 * Arguments: {@code --seed=<long>} (42), {@code --suite=full|short} (full), {@code --scenarios=all|<name>,...}
 * (all of the suite), {@code --report=<file>} (target/checker-report.md), {@code --logs=<directory>}
 * (target/checker-logs), {@code --quiesce-seconds=<n>} (120).
 */
public final class CheckerMain {

	private CheckerMain() {
	}

	public static void main(String[] args) throws IOException {
		Map<String, String> options = new LinkedHashMap<>(Map.of("seed", "42", "suite", "full", "scenarios", "all",
				"report", "target/checker-report.md", "logs", "target/checker-logs", "quiesce-seconds", "120"));
		for (String arg : args) {
			if (!arg.startsWith("--") || !arg.contains("=")) {
				throw new IllegalArgumentException("Unknown argument '" + arg + "'; expected --name=value");
			}
			String name = arg.substring(2, arg.indexOf('='));
			if (!options.containsKey(name)) {
				throw new IllegalArgumentException("Unknown option '" + name + "'; known: " + options.keySet());
			}
			options.put(name, arg.substring(arg.indexOf('=') + 1));
		}
		long seed = Long.parseLong(options.get("seed"));
		List<Scenario> scenarios = select(options.get("suite"), options.get("scenarios"));
		Report report = run(scenarios, seed, Path.of(options.get("logs")),
				Duration.ofSeconds(Long.parseLong(options.get("quiesce-seconds"))), System.out);
		Path file = Path.of(options.get("report"));
		if (file.getParent() != null) {
			Files.createDirectories(file.getParent());
		}
		Files.writeString(file, report.text(), StandardCharsets.UTF_8);
		System.out.println();
		System.out.println(report.text());
		System.out.println("Report written to " + file.toAbsolutePath());
		System.exit(report.passed() ? 0 : 1);
	}

	static List<Scenario> select(String suite, String names) {
		List<Scenario> all = switch (suite) {
			case "full" -> Scenarios.full();
			case "short" -> Scenarios.brief();
			default -> throw new IllegalArgumentException("Unknown suite '" + suite + "'; expected full or short");
		};
		if ("all".equals(names) || names.isBlank()) {
			return all;
		}
		Set<String> wanted = Set.of(names.split(","));
		List<Scenario> selected = all.stream().filter((scenario) -> wanted.contains(scenario.name())).toList();
		if (selected.size() != wanted.size()) {
			throw new IllegalArgumentException("Unknown scenario in '" + names + "'; the " + suite + " suite has: "
					+ Scenario.names(all));
		}
		return selected;
	}

	static Report run(List<Scenario> scenarios, long seed, Path logs, Duration quiesceBound, PrintStream progress) {
		// the checker's own connections see every Redis restart: their reconnect warnings are expected
		org.slf4j.Logger lettuce = org.slf4j.LoggerFactory.getLogger("io.lettuce.core.protocol.ConnectionWatchdog");
		if (lettuce instanceof ch.qos.logback.classic.Logger logback) {
			logback.setLevel(ch.qos.logback.classic.Level.ERROR);
		}
		long begin = System.nanoTime();
		Instant startedAt = Instant.now();
		ScenarioRunner runner = new ScenarioRunner(seed, logs, quiesceBound, progress);
		List<ScenarioResult> results = new ArrayList<>();
		for (Scenario scenario : scenarios) {
			try {
				results.add(runner.run(scenario));
			}
			catch (RuntimeException ex) {
				progress.println("[checker] " + scenario.name() + " could not run: " + ex);
				ex.printStackTrace(progress);
				results.add(ScenarioResult.crashed(scenario, ex));
			}
		}
		long minutes = (System.nanoTime() - begin) / 60_000_000_000L;
		long seconds = (System.nanoTime() - begin) / 1_000_000_000L % 60;
		String text = "## Checker run, seed " + seed + "\n\n" + "Started " + startedAt + ", took " + minutes + " min "
				+ seconds + " s, " + Runtime.getRuntime().availableProcessors() + " processors.\n\n"
				+ ResultTable.table(results) + "\n" + ResultTable.details(results);
		return new Report(results, text);
	}

	/** The results of a run and their text. */
	record Report(List<ScenarioResult> results, String text) {

		boolean passed() {
			return this.results.stream().allMatch(ScenarioResult::pass);
		}

	}

}
