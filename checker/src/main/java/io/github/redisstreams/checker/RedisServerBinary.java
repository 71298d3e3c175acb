package io.github.redisstreams.checker;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The {@code redis-server} the checker starts: the one on the {@code PATH}, otherwise the Redis 6.2 binary of
 * the {@code com.github.codemonstur:embedded-redis} dependency, extracted once per JVM to a temporary
 * directory. {@code -Dchecker.redis-server=embedded} picks the embedded one, another value is the path of a
 * binary. (The binder's tests have the same rule in their own test class.)
 */
final class RedisServerBinary {

	private static Path chosen;

	private RedisServerBinary() {
	}

	static synchronized Path path() {
		if (chosen == null) {
			String property = System.getProperty("checker.redis-server", "");
			if ("embedded".equals(property)) {
				chosen = extractEmbedded();
			}
			else if (!property.isBlank()) {
				chosen = Path.of(property);
			}
			else {
				chosen = onPath().orElseGet(RedisServerBinary::extractEmbedded);
			}
		}
		return chosen;
	}

	private static java.util.Optional<Path> onPath() {
		String path = System.getenv("PATH");
		if (path != null) {
			for (String directory : path.split(File.pathSeparator)) {
				Path candidate = directory.isEmpty() ? null : Path.of(directory, "redis-server");
				if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
					return java.util.Optional.of(candidate);
				}
			}
		}
		return java.util.Optional.empty();
	}

	private static Path extractEmbedded() {
		String resource = resourceName();
		try (InputStream binary = RedisServerBinary.class.getClassLoader().getResourceAsStream(resource)) {
			if (binary == null) {
				throw new IllegalStateException("No " + resource + " on the classpath (embedded-redis)");
			}
			Path directory = Files.createTempDirectory("embedded-redis");
			Path executable = directory.resolve("redis-server");
			Files.copy(binary, executable, StandardCopyOption.REPLACE_EXISTING);
			if (!executable.toFile().setExecutable(true)) {
				throw new IllegalStateException("Cannot make " + executable + " executable");
			}
			executable.toFile().deleteOnExit();
			directory.toFile().deleteOnExit();
			return executable;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not extract " + resource, ex);
		}
	}

	private static String resourceName() {
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
		boolean arm = arch.equals("aarch64") || arch.equals("arm64");
		if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
			return "redis-server-6.2.6-v5-linux-amd64";
		}
		if (os.contains("linux") && arm) {
			return "redis-server-6.2.7-linux-arm64";
		}
		if (os.contains("mac")) {
			return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
		}
		throw new IllegalStateException("embedded-redis ships no redis-server for " + os + "/" + arch
				+ "; install Redis 6.2 or newer and put redis-server on the PATH");
	}

}
