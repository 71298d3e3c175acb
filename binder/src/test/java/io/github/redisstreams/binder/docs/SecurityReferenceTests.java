package io.github.redisstreams.binder.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.github.redisstreams.binder.connection.LuaScript;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command table of {@code docs/security.md} lists every Lua script of the binder with the commands it
 * calls, as read from the script itself: Redis checks the ACL rules of each of them, so a script that calls a
 * new command must show in the documented rules.
 */
class SecurityReferenceTests {

	@Test
	void everyScriptIsListedWithTheCommandsItCalls() throws IOException {
		String page = Files.readString(Path.of("..", "docs", "security.md"));
		List<String> scripts = new ArrayList<>();
		Path directory = Path.of("src", "main", "resources", "io", "github", "redisstreams", "binder", "scripts");
		try (Stream<Path> files = Files.list(directory)) {
			files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(".lua"))
				.forEach(scripts::add);
		}
		assertThat(scripts).hasSizeGreaterThan(5);
		List<String> missing = new ArrayList<>();
		for (String name : scripts) {
			String described = LuaScript.load(name).describe();
			// EVALSHA t.lua (XPENDING, XRANGE) is documented as: script `t.lua`: `XPENDING`, `XRANGE`
			String commands = described.substring(described.indexOf('(') + 1, described.length() - 1);
			String expected = "script `" + name + "`: `" + String.join("`, `", commands.split(", ")) + "`";
			if (!page.contains(expected)) {
				missing.add(expected);
			}
		}
		assertThat(missing).as("scripts missing from docs/security.md, or listed with other commands").isEmpty();
	}

}
