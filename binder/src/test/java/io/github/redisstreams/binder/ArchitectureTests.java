package io.github.redisstreams.binder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binder's packages depend on each other in one direction only, read from the imports of its sources: a
 * package may import only packages of a lower layer. A cycle (two packages importing each other, however
 * indirectly) is therefore impossible, and a new import against the direction fails here with its file.
 */
class ArchitectureTests {

	private static final String BASE = "io.github.redisstreams.binder";

	/** Top to bottom; the root package holds the binder class. */
	private static final Map<String, Integer> LAYERS = Map.ofEntries(Map.entry("config", 0), Map.entry("", 1),
			Map.entry("actuate", 2), Map.entry("inbound", 3), Map.entry("outbound", 3), Map.entry("recovery", 4),
			Map.entry("idempotency", 4), Map.entry("provisioning", 4), Map.entry("partitioning", 4), Map.entry("metrics", 5),
			Map.entry("properties", 5), Map.entry("connection", 6), Map.entry("support", 7));

	private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);

	private static final Pattern IMPORT = Pattern
		.compile("^import\\s+(?:static\\s+)?" + Pattern.quote(BASE) + "\\.([\\w.]+);", Pattern.MULTILINE);

	@Test
	void packagesImportOnlyLowerLayers() throws IOException {
		List<String> violations = new ArrayList<>();
		int files = 0;
		try (Stream<Path> sources = Files.walk(Path.of("src", "main", "java"))) {
			for (Path source : sources.filter((path) -> path.toString().endsWith(".java")).toList()) {
				files++;
				String text = Files.readString(source);
				Matcher declared = PACKAGE.matcher(text);
				assertThat(declared.find()).as("package of " + source).isTrue();
				String from = topPackage(declared.group(1));
				assertThat(LAYERS).as("layer of package '" + from + "' (" + source + ")").containsKey(from);
				Matcher imports = IMPORT.matcher(text);
				while (imports.find()) {
					String to = topPackage(BASE + "." + imports.group(1));
					if (!to.equals(from) && LAYERS.get(to) <= LAYERS.get(from)) {
						violations.add(source.getFileName() + " (" + name(from) + ") imports " + name(to) + ": "
								+ imports.group(1));
					}
				}
			}
		}
		assertThat(files).isGreaterThan(50);
		assertThat(violations).as("imports against the layering config > binder > actuate > inbound/outbound > "
				+ "recovery/idempotency/provisioning/partitioning > metrics/properties > connection > support")
			.isEmpty();
	}

	/**
	 * The package directly under the base: {@code inbound} for {@code ...binder.inbound.X}, the empty string
	 * for a class of the base package itself.
	 */
	private static String topPackage(String qualified) {
		if (qualified.equals(BASE)) {
			return "";
		}
		String rest = qualified.substring(BASE.length() + 1);
		String head = rest.split("\\.")[0];
		return Character.isLowerCase(head.charAt(0)) ? head : "";
	}

	private static String name(String layer) {
		return layer.isEmpty() ? "(binder)" : layer;
	}

}
