package io.github.redisstreams.checker;

import java.util.ArrayList;
import java.util.List;

/**
 * The checker's report: one table row per scenario, then the details of each scenario.
 */
final class ResultTable {

	static final List<String> COLUMNS = List.of("scenario", "faults", "messages", "sent", "processed", "dlq", "lost",
			"stuck", "dlq-without-handler", "wrongly-dlq", "duplicates", "verdict");

	private ResultTable() {
	}

	static String table(List<ScenarioResult> results) {
		List<List<String>> rows = new ArrayList<>();
		rows.add(COLUMNS);
		for (ScenarioResult result : results) {
			rows.add(List.of(result.scenario().name(), result.scenario().describeFaults(),
					Integer.toString(result.messages()), Integer.toString(result.sent()),
					Integer.toString(result.processed()), Integer.toString(result.deadLettered()),
					Integer.toString(result.lost()), Long.toString(result.stuck()),
					Integer.toString(result.deadWithoutHandler()), Integer.toString(result.wronglyDead()),
					(result.duplicates() < 0) ? "n/a"
							: result.duplicates() + ((result.extraEffects() > result.duplicates())
									? " (+" + result.extraEffects() + ")" : ""),
					result.verdict()));
		}
		int[] widths = new int[COLUMNS.size()];
		for (List<String> row : rows) {
			for (int i = 0; i < row.size(); i++) {
				widths[i] = Math.max(widths[i], row.get(i).length());
			}
		}
		StringBuilder text = new StringBuilder();
		for (int r = 0; r < rows.size(); r++) {
			text.append('|');
			for (int i = 0; i < widths.length; i++) {
				String cell = rows.get(r).get(i);
				boolean numeric = i >= 2 && i < widths.length - 1;
				text.append(' ').append(numeric ? pad(cell, widths[i], true) : pad(cell, widths[i], false)).append(" |");
			}
			text.append('\n');
			if (r == 0) {
				text.append('|');
				for (int i = 0; i < widths.length; i++) {
					boolean numeric = i >= 2 && i < widths.length - 1;
					text.append(numeric ? "-".repeat(widths[i] + 1) + ":|" : "-".repeat(widths[i] + 2) + "|");
				}
				text.append('\n');
			}
		}
		return text.toString();
	}

	static String details(List<ScenarioResult> results) {
		StringBuilder text = new StringBuilder();
		for (ScenarioResult result : results) {
			text.append("### ").append(result.scenario().name()).append(": ").append(result.verdict()).append("\n\n");
			for (String line : result.details()) {
				text.append("    ").append(line).append('\n');
			}
			text.append('\n');
		}
		return text.toString();
	}

	private static String pad(String text, int width, boolean right) {
		String padding = " ".repeat(width - text.length());
		return right ? padding + text : text + padding;
	}

}
