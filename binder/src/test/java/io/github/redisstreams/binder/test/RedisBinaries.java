package io.github.redisstreams.binder.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The {@code redis-server} binary tests start processes of: the one on the {@code PATH} when there is one,
 * otherwise the Redis 6.2 binary shipped in the {@code com.github.codemonstur:embedded-redis} test dependency,
 * extracted once per JVM to a temporary directory. The system property {@code redis.test.server} overrides
 * the choice: {@code embedded} for the shipped binary, or the path of a {@code redis-server}.
 */
public final class RedisBinaries {

	/** The system property that picks the binary: {@code embedded}, or a path. */
	public static final String SERVER_PROPERTY = "redis.test.server";

	private static Path server;

	private static Path embedded;

	private static RedisVersion serverVersion;

	private RedisBinaries() {
	}

	/**
	 * The {@code redis-server} to start: {@value #SERVER_PROPERTY} if set, the PATH's, or the embedded one.
	 * @return the executable
	 */
	public static synchronized Path redisServer() {
		if (server == null) {
			String chosen = System.getProperty(SERVER_PROPERTY, "");
			if ("embedded".equals(chosen)) {
				server = embeddedRedisServer();
			}
			else if (!chosen.isBlank()) {
				server = Path.of(chosen);
			}
			else {
				server = onPath("redis-server").orElseGet(RedisBinaries::embeddedRedisServer);
			}
			System.out.println("Tests start Redis processes with " + server + " (" + redisServerVersion() + ")");
		}
		return server;
	}

	/**
	 * The version of {@link #redisServer()}, from {@code redis-server --version}.
	 * @return the version
	 */
	public static synchronized RedisVersion redisServerVersion() {
		if (serverVersion == null) {
			serverVersion = versionOf(redisServer());
		}
		return serverVersion;
	}

	/**
	 * The Redis 6.2 {@code redis-server} of the embedded-redis artifact for this machine, extracted once per
	 * JVM.
	 * @return the executable
	 */
	public static synchronized Path embeddedRedisServer() {
		if (embedded == null) {
			String resource = embeddedResourceName();
			try (InputStream binary = RedisBinaries.class.getClassLoader().getResourceAsStream(resource)) {
				if (binary == null) {
					throw new IllegalStateException("No " + resource + " on the test classpath (embedded-redis)");
				}
				Path directory = Files.createTempDirectory("embedded-redis");
				Path executable = directory.resolve("redis-server");
				Files.copy(binary, executable, StandardCopyOption.REPLACE_EXISTING);
				if (!executable.toFile().setExecutable(true)) {
					throw new IllegalStateException("Cannot make " + executable + " executable");
				}
				executable.toFile().deleteOnExit();
				directory.toFile().deleteOnExit();
				embedded = executable;
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not extract " + resource, ex);
			}
		}
		return embedded;
	}

	/**
	 * The {@code redis-cli} on the PATH, if any (the embedded artifact ships none).
	 * @return the executable, or empty
	 */
	public static Optional<Path> redisCli() {
		return onPath("redis-cli");
	}

	/**
	 * The version a {@code redis-server} binary reports.
	 * @param executable the binary
	 * @return its version
	 */
	public static RedisVersion versionOf(Path executable) {
		try {
			Process process = new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(executable + " --version did not answer");
			}
			return RedisVersion.parse(output);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not run " + executable + " --version", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Optional<Path> onPath(String name) {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (directory.isEmpty()) {
				continue;
			}
			Path candidate = Path.of(directory, name);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return Optional.of(candidate);
			}
		}
		return Optional.empty();
	}

	private static String embeddedResourceName() {
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
		boolean arm = arch.equals("aarch64") || arch.equals("arm64");
		boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
		if (os.contains("linux")) {
			if (x64) {
				return "redis-server-6.2.6-v5-linux-amd64";
			}
			if (arm) {
				return "redis-server-6.2.7-linux-arm64";
			}
			if (arch.equals("x86") || arch.equals("i386")) {
				return "redis-server-6.2.7-linux-386";
			}
		}
		if (os.contains("mac")) {
			return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
		}
		throw new IllegalStateException("embedded-redis ships no redis-server for " + os + "/" + arch
				+ "; install Redis 6.2 or newer and put redis-server on the PATH");
	}

}
