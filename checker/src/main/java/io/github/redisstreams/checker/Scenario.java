package io.github.redisstreams.checker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One checker scenario: which application runs (how many instances, with which settings), how many
 * messages the checker sends and over how long, which of them are special, and which faults are injected
 * during the sending window (at moments drawn from the scenario's seeded random).
 *
 * @param name short name, the first column of the table
 * @param app the application
 * @param instances how many JVMs of it run at once
 * @param messages messages sent
 * @param window how long sending takes; the faults fall inside it
 * @param specials special messages among them, by kind
 * @param faults the scheduled faults, one element per injection
 * @param aof whether Redis runs with an append-only file ({@code appendfsync always})
 * @param preload whether all messages are sent before the applications start (one big backlog)
 * @param appArguments extra command-line arguments of the applications
 */
record Scenario(String name, App app, int instances, int messages, Duration window, Map<String, Integer> specials,
		List<Fault> faults, boolean aof, boolean preload, List<String> appArguments) {

	/** The application a scenario runs. */
	enum App {

		/** {@link io.github.redisstreams.checker.apps.ConsumerApp}: a Consumer on {@code in}. */
		CONSUMER("io.github.redisstreams.checker.apps.ConsumerApp", "in", "g"),

		/** {@link io.github.redisstreams.checker.apps.ProcessorApp}: a Function {@code in -> out} and a Consumer on {@code out}. */
		PROCESSOR("io.github.redisstreams.checker.apps.ProcessorApp", "in", "g"),

		/**
		 * The processor application split in two: instance 1 runs only the function {@code process}
		 * ({@code in -> out}), instance 2 only the consumer {@code record} of {@code out}, as a downstream service.
		 */
		PIPELINE("io.github.redisstreams.checker.apps.ProcessorApp", "in", "g"),

		/**
		 * {@link io.github.redisstreams.checker.apps.TransactionalProcessorApp}: a Function {@code in -> {in}:out} on
		 * a transactional binding, counting each message and adding its amount in the same atomic step.
		 */
		TX_PROCESSOR("io.github.redisstreams.checker.apps.TransactionalProcessorApp", "in", "g"),

		/** The sample application: its Consumer {@code processOrder} on {@code orders}, group {@code order-service}. */
		SAMPLE("io.github.redisstreams.sample.SampleApplication", "orders", "order-service");

		final String mainClass;

		/** The stream the checker writes to. */
		final String stream;

		/** The group that consumes it. */
		final String group;

		App(String mainClass, String stream, String group) {
			this.mainClass = mainClass;
			this.stream = stream;
			this.group = group;
		}

		/** The binder's dead-letter stream of the group. */
		String deadLetterStream() {
			return "{" + this.stream + "}:" + this.group + ":dlq";
		}

	}

	/** The faults the checker injects on a schedule. */
	enum Fault {

		/** SIGKILL of a random instance, started again 0.5-3 s later. */
		SIGKILL("sigkill"),

		/** SIGTERM of a random instance (graceful stop), started again 0.5-3 s later. */
		SIGTERM("sigterm"),

		/**
		 * SIGSTOP of a random instance, SIGCONT 3-5 s later: a pause longer than claim-idle-time (a long GC, a
		 * frozen VM), after which the instance goes on with entries the other one has taken over meanwhile.
		 */
		SIGSTOP("sigstop"),

		/** Redis killed and started again empty (no persistence) 1-3 s later; no send straddles the restart. */
		REDIS_RESTART_EMPTY("redis-restart-empty"),

		/**
		 * The last instance (the downstream consumer of {@code out}) killed, Redis killed and started again empty
		 * 1-3 s later, the downstream instance started again 3-6 s after that.
		 */
		REDIS_RESTART_EMPTY_DOWNSTREAM_DOWN("redis-restart-empty-downstream-down"),

		/** Redis (AOF, appendfsync always) killed and started again on the same directory 0.5-2 s later. */
		REDIS_RESTART_AOF("redis-restart-aof"),

		/** CLIENT KILL of every connection of the applications. */
		CLIENT_KILL("client-kill"),

		/** Stream {@code out} made a string for 2-4 s: every XADD to it fails with WRONGTYPE. */
		OUT_WRONGTYPE("out-wrongtype"),

		/** maxmemory 1 byte with noeviction for 2-3 s: every write that may grow memory fails with OOM. */
		OOM("maxmemory-oom"),

		/** XGROUP DESTROY of the consumed group (g of stream in) under the running applications. */
		GROUP_DESTROY("group-destroy");

		final String label;

		Fault(String label) {
			this.label = label;
		}

	}

	/** Special message kinds that are expected in the dead-letter stream rather than processed. */
	static final List<String> EXPECTED_DEAD = List.of("poison-kill", "poison-fail", "undecodable");

	/**
	 * The faults column of the table, e.g. {@code sigkill x4, poison-kill x2}.
	 */
	String describeFaults() {
		Map<String, Integer> counts = new LinkedHashMap<>();
		for (Fault fault : this.faults) {
			counts.merge(fault.label, 1, Integer::sum);
		}
		for (Map.Entry<String, Integer> special : this.specials.entrySet()) {
			counts.merge(special.getKey(), special.getValue(), Integer::sum);
		}
		List<String> parts = new ArrayList<>();
		counts.forEach((label, count) -> parts.add(label + " x" + count));
		if (this.preload) {
			parts.add("backlog read in one batch");
		}
		return parts.isEmpty() ? "none" : String.join(", ", parts);
	}

	String describeApp() {
		return this.instances + " x " + this.app.name().toLowerCase().replace('_', '-');
	}

	static Scenario of(String name, App app, int instances, int messages, int windowSeconds) {
		return new Scenario(name, app, instances, messages, Duration.ofSeconds(windowSeconds), Map.of(), List.of(),
				false, false, List.of());
	}

	Scenario withSpecials(Map<String, Integer> specials) {
		// sorted: the positions drawn from the seed must not depend on a map's iteration order
		return new Scenario(this.name, this.app, this.instances, this.messages, this.window, new TreeMap<>(specials),
				this.faults, this.aof, this.preload, this.appArguments);
	}

	Scenario withFault(Fault fault, int times) {
		List<Fault> all = new ArrayList<>(this.faults);
		for (int i = 0; i < times; i++) {
			all.add(fault);
		}
		return new Scenario(this.name, this.app, this.instances, this.messages, this.window, this.specials, all,
				this.aof, this.preload, this.appArguments);
	}

	Scenario withAof() {
		return new Scenario(this.name, this.app, this.instances, this.messages, this.window, this.specials,
				this.faults, true, this.preload, this.appArguments);
	}

	Scenario withPreload() {
		return new Scenario(this.name, this.app, this.instances, this.messages, this.window, this.specials,
				this.faults, this.aof, true, this.appArguments);
	}

	Scenario withAppArguments(String... arguments) {
		List<String> all = new ArrayList<>(this.appArguments);
		all.addAll(List.of(arguments));
		return new Scenario(this.name, this.app, this.instances, this.messages, this.window, this.specials,
				this.faults, this.aof, this.preload, all);
	}

	@Override
	public String toString() {
		String sending = this.preload ? " sent before the applications start" : " in " + this.window.toSeconds() + " s";
		return this.name + " (" + describeApp() + ", " + this.messages + " messages" + sending + "; "
				+ describeFaults() + ")";
	}

	static String names(List<Scenario> scenarios) {
		return scenarios.stream().map(Scenario::name).collect(Collectors.joining(", "));
	}

}
