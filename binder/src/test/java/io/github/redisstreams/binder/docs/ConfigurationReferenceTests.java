package io.github.redisstreams.binder.docs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration reference in {@code docs/configuration.md} lists every property of the generated
 * configuration metadata with its default value, so the page cannot drift from the code.
 */
class ConfigurationReferenceTests {

	@Test
	void everyPropertyIsDocumentedWithItsDefault() throws IOException {
		String page = Files.readString(Path.of("..", "docs", "configuration.md"));
		JsonNode metadata;
		try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			metadata = JsonMapper.builder().build().readTree(in);
		}
		List<String> missing = new ArrayList<>();
		int checked = 0;
		for (JsonNode property : metadata.get("properties")) {
			String name = property.get("name").asString();
			String shortName = shortName(name);
			if (shortName == null) {
				continue;
			}
			checked++;
			String row = "| `" + shortName + "` | `" + defaultValue(property.get("defaultValue")) + "` |";
			if (!page.contains(row)) {
				missing.add(name + " -> expected a row starting with: " + row);
			}
		}
		assertThat(checked).isGreaterThan(20);
		assertThat(missing).as("properties missing from docs/configuration.md").isEmpty();
	}

	private static String shortName(String name) {
		for (String section : new String[] { "spring.cloud.stream.redis.binder.",
				"spring.cloud.stream.redis.default.consumer.", "spring.cloud.stream.redis.default.producer." }) {
			if (name.startsWith(section)) {
				return name.substring(section.length());
			}
		}
		return null;
	}

	private static String defaultValue(JsonNode value) {
		if (value == null || value.isNull()) {
			return "(none)";
		}
		if (value.isArray()) {
			List<String> items = new ArrayList<>();
			value.forEach((item) -> items.add(item.asString()));
			return String.join(",", items);
		}
		String text = value.asString();
		return text.isEmpty() ? "(empty)" : text;
	}

}
