package io.github.redisstreams.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU used by this JVM and by Redis over an interval, in cores (1.0 = one core busy all the time):
 * tells whether a figure is limited by the JVM, by Redis, or by neither (waiting on round trips).
 * The JVM's share is split by thread: the producer (the thread that started the meter), Lettuce's
 * I/O threads, and all the others (the consumers, and for Kafka the client and broker threads).
 */
final class CpuMeter {

	private static final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
		.getOperatingSystemMXBean();

	private static final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final RedisAdmin admin;

	private final long producerThread = Thread.currentThread().getId();

	private final long startNanos;

	private final long jvmStartNanos;

	private final Map<Long, Long> threadStartNanos;

	private final RedisAdmin.CpuTime redisAtStart;

	private final Map<String, RedisAdmin.CommandStat> commandsAtStart;

	private CpuMeter(RedisAdmin admin) {
		this.admin = admin;
		this.commandsAtStart = admin.commandStats();
		this.redisAtStart = admin.cpuTime();
		this.threadStartNanos = threadCpu();
		this.jvmStartNanos = os.getProcessCpuTime();
		this.startNanos = System.nanoTime();
	}

	static CpuMeter start(RedisAdmin admin) {
		return new CpuMeter(admin);
	}

	Usage stop() {
		long elapsed = System.nanoTime() - this.startNanos;
		double jvm = (os.getProcessCpuTime() - this.jvmStartNanos) / (double) elapsed;
		RedisAdmin.CpuTime redisNow = this.admin.cpuTime();
		double redisSystem = (redisNow.systemSeconds() - this.redisAtStart.systemSeconds()) * 1e9 / elapsed;
		double redis = redisSystem + (redisNow.userSeconds() - this.redisAtStart.userSeconds()) * 1e9 / elapsed;
		Map<String, RedisAdmin.CommandStat> commands = new HashMap<>();
		this.admin.commandStats().forEach((name, stat) -> {
			RedisAdmin.CommandStat used = stat.minus(this.commandsAtStart.get(name));
			if (used.calls() > 0) {
				commands.put(name, used);
			}
		});
		long[] ids = threads.getAllThreadIds();
		ThreadInfo[] infos = threads.getThreadInfo(ids);
		long producer = 0;
		long io = 0;
		for (int i = 0; i < ids.length; i++) {
			long used = threads.getThreadCpuTime(ids[i]);
			if (used < 0 || infos[i] == null) {
				continue;
			}
			used -= this.threadStartNanos.getOrDefault(ids[i], 0L);
			if (ids[i] == this.producerThread) {
				producer += used;
			}
			else if (infos[i].getThreadName().startsWith("lettuce-")) {
				io += used;
			}
		}
		return new Usage(jvm, producer / (double) elapsed, io / (double) elapsed, redis, redisSystem, commands);
	}

	private static Map<Long, Long> threadCpu() {
		Map<Long, Long> used = new HashMap<>();
		for (long id : threads.getAllThreadIds()) {
			used.put(id, threads.getThreadCpuTime(id));
		}
		return used;
	}

	/**
	 * @param jvmCores CPU of the whole benchmark JVM
	 * @param producerCores CPU of the producer thread
	 * @param lettuceIoCores CPU of Lettuce's I/O threads (encoding, decoding, socket reads and writes)
	 * @param redisCores CPU of the Redis server, user and system
	 * @param redisSystemCores the system (kernel) part of it: socket reads and writes, which grow with the
	 * packets rather than the commands
	 * @param redisCommands calls and time of each command Redis ran meanwhile ({@code INFO commandstats}), the
	 * benchmark's own {@code INFO} and {@code XLEN} included
	 */
	record Usage(double jvmCores, double producerCores, double lettuceIoCores, double redisCores,
			double redisSystemCores, Map<String, RedisAdmin.CommandStat> redisCommands) {

		/** The benchmark's own commands (its {@code INFO} around each round and its {@code XLEN} polling). */
		static final java.util.Set<String> OWN_COMMANDS = java.util.Set.of("info", "xlen", "memory", "xrange");

		/** The commands of the implementation under test: those of the round minus the benchmark's own. */
		Map<String, RedisAdmin.CommandStat> implementationCommands() {
			Map<String, RedisAdmin.CommandStat> commands = new java.util.TreeMap<>(this.redisCommands);
			commands.keySet().removeAll(OWN_COMMANDS);
			return commands;
		}

		/** CPU of every other thread: the consumers, and whatever else ran (for Kafka, the broker). */
		double otherCores() {
			return Math.max(0, this.jvmCores - this.producerCores - this.lettuceIoCores);
		}

	}

}
