package io.github.redisstreams.checker.apps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * What the checker's applications record in Redis, and the behaviour of the special messages.
 * <ul>
 * <li>{@value #HANDED} (hash, field = business id): incremented at the very start of a handler, before
 * anything else: the message reached the handler (once per delivery that reached it);</li>
 * <li>{@value #EFFECTS} (hash, field = business id): incremented once the message is processed, in one
 * atomic command: its effect. A count above 1 is a duplicate.</li>
 * </ul>
 */
public final class Effects {

	/** Handler entered, by the consumer of {@code in} (Consumer app, or the Function of the processor app). */
	public static final String HANDED = "checker:handed";

	/** Handler entered, by the consumer of {@code out} in the processor app. */
	public static final String HANDED_OUT = "checker:handed:out";

	/** Effects applied, by business id. */
	public static final String EFFECTS = "checker:effects";

	private Effects() {
	}

	/**
	 * Records that the handler was entered, then behaves as the message's kind says.
	 * @param redis the application's Redis
	 * @param handedKey the hash counting handler entries
	 * @param message the message
	 * @param slowMillis how long a {@code slow} message takes
	 */
	public static void enter(StringRedisTemplate redis, String handedKey, CheckerMessage message, long slowMillis) {
		redis.opsForHash().increment(handedKey, message.id(), 1);
		switch (String.valueOf(message.kind())) {
			case "poison-kill" -> Runtime.getRuntime().halt(137);
			case "poison-fail" -> throw new PoisonMessageException(message.id());
			case "slow" -> {
				try {
					Thread.sleep(slowMillis);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("Interrupted while handling " + message.id(), ex);
				}
			}
			default -> {
			}
		}
	}

	/**
	 * Applies the effect of a processed message.
	 */
	public static void apply(StringRedisTemplate redis, CheckerMessage message) {
		redis.opsForHash().increment(EFFECTS, message.id(), 1);
	}

	/**
	 * Runs an application without a web server, and writes its process id to the file
	 * {@code checker.ready-file} once it is ready (its bindings started), for the checker to wait on.
	 */
	static void run(Class<?> application, String[] args) {
		new SpringApplicationBuilder(application).web(WebApplicationType.NONE).listeners((event) -> {
			if (event instanceof ApplicationReadyEvent ready) {
				String file = ready.getApplicationContext().getEnvironment().getProperty("checker.ready-file");
				if (file != null) {
					writeReady(Path.of(file));
				}
			}
		}).run(args);
	}

	private static void writeReady(Path file) {
		try {
			Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
			Files.writeString(temporary, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII);
			Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Thrown by a {@code poison-fail} message on every delivery.
	 */
	public static final class PoisonMessageException extends RuntimeException {

		PoisonMessageException(String id) {
			super("poison message " + id + " always fails");
		}

	}

}
