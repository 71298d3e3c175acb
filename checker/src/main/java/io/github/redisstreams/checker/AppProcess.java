package io.github.redisstreams.checker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * One application instance of a scenario, run as its own JVM
 * ({@code java -Xmx200m -cp <the checker's classpath> <main class> --args}), its output appended to one log
 * file across restarts. The checker kills it (SIGKILL), stops it (SIGTERM) and starts it again; a death
 * the checker did not cause (a message that halts the JVM) is noticed by {@link #reviveIfDead()} and the
 * instance is started again, as a platform would.
 */
final class AppProcess {

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);

	private final String name;

	private final List<String> command;

	private final Path log;

	private final Path readyFile;

	/** A line the application logs once it is ready, for one that does not write the ready file (the sample). */
	private final String readyLine;

	private long logOffset;

	private Process process;

	/** Set while the checker keeps the instance down on purpose. */
	private boolean down;

	private int starts;

	private final List<Integer> unexpectedExits = new ArrayList<>();

	/**
	 * @param extraClasspath added to the checker's own classpath, or null
	 * @param readyLine the log line that says the application is ready, or null when it writes the ready file
	 */
	AppProcess(String name, String mainClass, String extraClasspath, List<String> arguments, Path logDirectory,
			String readyLine) {
		this.name = name;
		this.log = logDirectory.resolve(name + ".log");
		this.readyFile = logDirectory.resolve(name + ".ready");
		this.readyLine = readyLine;
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		String classpath = System.getProperty("java.class.path")
				+ ((extraClasspath != null) ? File.pathSeparator + extraClasspath : "");
		this.command = new ArrayList<>(List.of(java, "-Xmx200m", "-Xss512k", "-XX:+UseSerialGC",
				"-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-cp", classpath, mainClass));
		this.command.addAll(arguments);
		this.command.add("--checker.ready-file=" + this.readyFile);
		// a checker that ends abruptly must not leave application JVMs behind
		Runtime.getRuntime().addShutdownHook(new Thread(this::killQuietly, name + "-killer"));
	}

	private synchronized void killQuietly() {
		if (this.process != null) {
			this.process.destroyForcibly();
		}
	}

	String name() {
		return this.name;
	}

	Path log() {
		return this.log;
	}

	synchronized void start() {
		try {
			Files.deleteIfExists(this.readyFile);
			this.logOffset = Files.exists(this.log) ? Files.size(this.log) : 0;
			Files.writeString(this.log, "=== checker: start #" + (this.starts + 1) + " of " + this.name + "\n",
					StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
					java.nio.file.StandardOpenOption.APPEND);
			this.process = new ProcessBuilder(this.command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start();
			this.starts++;
			this.down = false;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + this.name, ex);
		}
	}

	/**
	 * Waits (bounded) until the current process says it is ready; a process that dies meanwhile ends the
	 * wait.
	 * @return true when ready
	 */
	boolean awaitReady() {
		Process current;
		synchronized (this) {
			current = this.process;
		}
		if (current == null) {
			return false;
		}
		try {
			await(this.name + " ready").atMost(READY_TIMEOUT)
				.pollInterval(Duration.ofMillis(100))
				.until(() -> !current.isAlive() || isReady());
			return current.isAlive();
		}
		catch (ConditionTimeoutException ex) {
			return false;
		}
	}

	/**
	 * Whether the current process runs and said it is ready.
	 */
	boolean isReady() throws IOException {
		Process current;
		long offset;
		synchronized (this) {
			current = this.process;
			offset = this.logOffset;
		}
		if (current == null || !current.isAlive()) {
			return false;
		}
		if (this.readyLine != null) {
			return logSince(offset).contains(this.readyLine);
		}
		return Files.exists(this.readyFile)
				&& Long.toString(current.pid()).equals(Files.readString(this.readyFile, StandardCharsets.US_ASCII).trim());
	}

	private String logSince(long offset) throws IOException {
		try (var file = new java.io.RandomAccessFile(this.log.toFile(), "r")) {
			long length = file.length();
			if (length <= offset) {
				return "";
			}
			byte[] bytes = new byte[(int) Math.min(length - offset, 4_000_000)];
			file.seek(offset);
			file.readFully(bytes);
			return new String(bytes, StandardCharsets.UTF_8);
		}
	}

	/** SIGKILL; the instance stays down until {@link #start()}. */
	synchronized void kill() {
		this.down = true;
		if (this.process != null) {
			this.process.destroyForcibly();
			waitFor(this.process, STOP_TIMEOUT);
		}
	}

	/**
	 * Freezes the process (SIGSTOP) or lets it go on (SIGCONT): it stays alive, and does nothing meanwhile.
	 * @param signal {@code STOP} or {@code CONT}
	 * @return whether the signal was sent
	 */
	synchronized boolean signal(String signal) {
		if (this.process == null || !this.process.isAlive()) {
			return false;
		}
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(this.process.pid()))
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			return waitFor(kill, Duration.ofSeconds(10)) && kill.exitValue() == 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not send SIG" + signal + " to " + this.name, ex);
		}
	}

	/**
	 * SIGTERM: a graceful stop (Spring Boot's shutdown hook stops the bindings), SIGKILL if it takes longer
	 * than 45 s; the instance stays down until {@link #start()}.
	 * @return whether it stopped by itself
	 */
	synchronized boolean stop() {
		this.down = true;
		if (this.process == null) {
			return true;
		}
		this.process.destroy();
		if (waitFor(this.process, STOP_TIMEOUT)) {
			return true;
		}
		this.process.destroyForcibly();
		waitFor(this.process, STOP_TIMEOUT);
		return false;
	}

	/**
	 * Starts the instance again if it died without the checker asking (the JVM halted itself).
	 * @return the exit code of the death noticed, or null
	 */
	synchronized Integer reviveIfDead() {
		if (this.down || this.process == null || this.process.isAlive()) {
			return null;
		}
		int exit = this.process.exitValue();
		this.unexpectedExits.add(exit);
		start();
		return exit;
	}

	synchronized boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	synchronized int starts() {
		return this.starts;
	}

	synchronized List<Integer> unexpectedExits() {
		return List.copyOf(this.unexpectedExits);
	}

	/** Ends the instance for good at the end of a scenario. */
	synchronized void destroy() {
		this.down = true;
		if (this.process != null) {
			this.process.destroyForcibly();
			waitFor(this.process, STOP_TIMEOUT);
		}
	}

	private static boolean waitFor(Process process, Duration timeout) {
		try {
			return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
