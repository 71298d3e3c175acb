package io.github.redisstreams.checker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;

import io.github.redisstreams.checker.Scenario.App;
import io.github.redisstreams.checker.apps.TransactionalProcessorApp;

import static org.awaitility.Awaitility.await;

/**
 * Runs one scenario from start to verdict: a private Redis, the applications, the producer and the fault
 * schedule; then, once the faults are over and every instance runs again, waits (bounded) until the
 * system is quiet and hands the final state to the {@link Verifier}.
 */
final class ScenarioRunner {

	/** The system is quiet when nothing observable changed for this long. */
	private static final Duration STABLE = Duration.ofSeconds(15);

	private final long seed;

	private final Path logRoot;

	private final Duration quiesceBound;

	private final java.io.PrintStream progress;

	ScenarioRunner(long seed, Path logRoot, Duration quiesceBound, java.io.PrintStream progress) {
		this.seed = seed;
		this.logRoot = logRoot;
		this.quiesceBound = quiesceBound;
		this.progress = progress;
	}

	ScenarioResult run(Scenario scenario) {
		long begin = System.nanoTime();
		Random random = new Random(this.seed * 31 + scenario.name().hashCode());
		Path logs = this.logRoot.resolve(scenario.name());
		deleteRecursively(logs);
		try {
			Files.createDirectories(logs);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.progress.println("[checker] " + scenario + " ...");
		List<AppProcess> apps = new ArrayList<>();
		ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor();
		try (PrivateRedis redis = PrivateRedis.start(logs.resolve("redis"), scenario.aof());
				RedisAccess admin = new RedisAccess(redis.port(), "admin");
				Producer producer = new Producer(redis.port(), scenario.app(), Producer.plan(scenario.messages(), scenario.specials(),
						random))) {
			for (int i = 1; i <= scenario.instances(); i++) {
				String name = "app-" + i;
				boolean sample = scenario.app() == App.SAMPLE;
				apps.add(new AppProcess(name, scenario.app().mainClass, sample ? sampleClasses() : null,
						arguments(scenario, redis, name, i), logs, sample ? "Started SampleApplication" : null));
			}
			if (scenario.preload()) {
				producer.sendAll(Duration.ZERO);
			}
			apps.forEach(AppProcess::start);
			apps.forEach(AppProcess::awaitReady);
			long start = System.nanoTime();
			FaultInjector injector = new FaultInjector(scenario, random, redis, admin, producer, apps, start);
			supervisor.scheduleWithFixedDelay(() -> {
				for (AppProcess app : apps) {
					Integer exit = app.reviveIfDead();
					if (exit != null) {
						injector.noteExternal(app.name() + " died (exit " + exit + "), started again");
					}
				}
			}, 200, 200, TimeUnit.MILLISECONDS);
			Thread faults = new Thread(injector, "checker-faults");
			faults.start();
			if (!scenario.preload()) {
				producer.sendAll(scenario.window());
			}
			faults.join(Duration.ofMinutes(5).toMillis());
			long sendingMillis = (System.nanoTime() - start) / 1_000_000;
			// whole again: every instance runs (the injector starts each one it stopped; a self-inflicted
			// death is revived by the supervisor)
			for (AppProcess app : apps) {
				app.awaitReady();
			}
			Verifier verifier = new Verifier(scenario, admin, producer, apps);
			String quiet = awaitQuiet(verifier, apps);
			ScenarioResult result = verifier.verify(quiet, injector.journal(), sendingMillis,
					(System.nanoTime() - begin) / 1_000_000);
			this.progress.println("[checker] " + scenario.name() + ": " + result.summary());
			return result;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			supervisor.shutdownNow();
			try {
				supervisor.awaitTermination(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			apps.forEach(AppProcess::destroy);
		}
	}

	/**
	 * Waits until every message sent is settled and nothing is pending, or, failing that, until nothing
	 * observable has changed for {@link #STABLE} with every instance running and ready; at most the quiesce
	 * bound.
	 */
	private String awaitQuiet(Verifier verifier, List<AppProcess> apps) {
		AtomicReference<String> last = new AtomicReference<>("");
		AtomicLong changedAt = new AtomicLong(System.nanoTime());
		AtomicReference<Boolean> settled = new AtomicReference<>(false);
		long begin = System.nanoTime();
		try {
			await("quiet system").atMost(this.quiesceBound)
				.pollInterval(Duration.ofMillis(500))
				.ignoreExceptions()
				.until(() -> {
					Verifier.Progress progress = verifier.progress();
					if (progress.settled()) {
						settled.set(true);
						return true;
					}
					boolean allReady = true;
					for (AppProcess app : apps) {
						allReady &= app.isReady();
					}
					String fingerprint = progress.fingerprint() + "/" + allReady
							+ apps.stream().map((app) -> Integer.toString(app.starts())).toList();
					if (!fingerprint.equals(last.getAndSet(fingerprint))) {
						changedAt.set(System.nanoTime());
						return false;
					}
					// an instance still starting may change everything yet
					return allReady && System.nanoTime() - changedAt.get() >= STABLE.toNanos();
				});
		}
		catch (ConditionTimeoutException ex) {
			return "still changing after " + this.quiesceBound.toSeconds() + " s";
		}
		long seconds = (System.nanoTime() - begin) / 1_000_000_000L;
		return settled.get() ? "every message settled, nothing pending, after " + seconds + " s"
				: "unsettled, but nothing changed for " + STABLE.toSeconds() + " s (after " + seconds + " s)";
	}

	private static List<String> arguments(Scenario scenario, PrivateRedis redis, String name, int instance) {
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.url=" + redis.url(),
				"--spring.data.redis.timeout=3s", "--spring.data.redis.client-name=" + name,
				"--spring.main.banner-mode=off", "--logging.level.io.github.redisstreams=INFO",
				"--spring.cloud.stream.redis.binder.instance-id=" + name,
				"--spring.cloud.stream.redis.default.consumer.claim-idle-time=2s",
				"--spring.cloud.stream.redis.default.consumer.claim-interval=300ms",
				"--spring.cloud.stream.redis.default.consumer.block-timeout=150ms",
				"--spring.cloud.stream.redis.default.consumer.max-deliveries=3",
				"--spring.cloud.stream.redis.default.consumer.read-count=20",
				"--spring.cloud.stream.default.consumer.max-attempts=2",
				"--spring.cloud.stream.default.consumer.back-off-initial-interval=100",
				"--spring.cloud.stream.default.consumer.back-off-max-interval=200", "--checker.slow-millis=3000"));
		if (scenario.app() == App.SAMPLE) {
			// the sample's own application.yml, with the checker's timings; its web server on a free port
			String prefix = "--spring.cloud.stream.redis.bindings.processOrder-in-0.consumer.";
			args.addAll(List.of("--server.port=0", "--server.address=127.0.0.1", prefix + "claim-idle-time=2s",
					prefix + "claim-interval=300ms", prefix + "block-timeout=150ms", prefix + "max-deliveries=3",
					prefix + "read-count=20", "--spring.cloud.stream.bindings.processOrder-in-0.consumer.max-attempts=2",
					"--spring.cloud.stream.bindings.processOrder-in-0.consumer.back-off-initial-interval=100",
					"--spring.cloud.stream.bindings.processOrder-in-0.consumer.back-off-max-interval=200"));
		}
		else if (scenario.app() == App.CONSUMER) {
			args.addAll(List.of("--spring.cloud.function.definition=handle",
					"--spring.cloud.stream.bindings.handle-in-0.destination=in",
					"--spring.cloud.stream.bindings.handle-in-0.group=g"));
		}
		else if (scenario.app() == App.TX_PROCESSOR) {
			args.addAll(List.of("--spring.cloud.function.definition=process",
					"--spring.cloud.stream.bindings.process-in-0.destination=in",
					"--spring.cloud.stream.bindings.process-in-0.group=g",
					"--spring.cloud.stream.bindings.process-out-0.destination=" + TransactionalProcessorApp.OUT,
					"--spring.cloud.stream.redis.bindings.process-in-0.consumer.transactional=true"));
		}
		else {
			String definition = (scenario.app() == App.PROCESSOR) ? "process;record"
					: (instance == 1) ? "process" : "record";
			args.addAll(List.of("--spring.cloud.function.definition=" + definition,
					"--spring.cloud.stream.bindings.process-in-0.destination=in",
					"--spring.cloud.stream.bindings.process-in-0.group=g",
					"--spring.cloud.stream.bindings.process-out-0.destination=out",
					"--spring.cloud.stream.bindings.record-in-0.destination=out",
					"--spring.cloud.stream.bindings.record-in-0.group=g"));
		}
		args.addAll(scenario.appArguments());
		return args;
	}

	/**
	 * The sample application's classes, built by the sample-app module of the same reactor
	 * ({@code -Dchecker.sample-classes} to point elsewhere); its dependencies are on the checker's classpath.
	 */
	static String sampleClasses() {
		Path classes = Path.of(System.getProperty("checker.sample-classes", "../sample-app/target/classes"));
		if (!Files.isDirectory(classes.resolve("io/github/redisstreams/sample"))) {
			throw new IllegalStateException("The sample application's classes are not at " + classes.toAbsolutePath()
					+ "; build the sample-app module first (e.g. ./mvnw -pl sample-app,checker -am ...)");
		}
		return classes.toAbsolutePath().toString();
	}

	private static void deleteRecursively(Path directory) {
		if (!Files.exists(directory)) {
			return;
		}
		try (var files = Files.walk(directory)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
