package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

/**
 * The benchmark's own view of Redis, outside every implementation under test: creates and deletes
 * streams, counts entries and pending entries, and reads Redis's CPU time.
 */
final class RedisAdmin implements AutoCloseable {

	private final RedisClient client;

	private final StatefulRedisConnection<String, String> connection;

	private final RedisCommands<String, String> redis;

	RedisAdmin(String redisUrl) {
		this.client = RedisClient.create(redisUrl);
		this.connection = this.client.connect();
		this.redis = this.connection.sync();
	}

	/** Deletes the stream and creates it again, empty, with the group starting at the beginning. */
	void recreate(String stream, String group) {
		this.redis.unlink(stream);
		this.redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
	}

	void delete(String... keys) {
		this.redis.unlink(keys);
	}

	long length(String stream) {
		return this.redis.xlen(stream);
	}

	/** Entries delivered to the group and not acknowledged. */
	long pending(String stream, String group) {
		return this.redis.xpending(stream, group).getCount();
	}

	/**
	 * Reads new entries as a consumer that then disappears without acknowledging them, as a process
	 * killed right after its read would.
	 * @return how many entries the vanished consumer left pending
	 */
	int readAndVanish(String stream, String group, String consumer, int count) {
		List<StreamMessage<String, String>> read = this.redis.xreadgroup(Consumer.from(group, consumer),
				XReadArgs.Builder.count(count), XReadArgs.StreamOffset.lastConsumed(stream));
		return read.size();
	}

	/**
	 * Polls the stream length until it reaches {@code count}.
	 * @return {@link System#nanoTime()} when the length was seen
	 */
	long awaitLength(String stream, long count, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long length;
		while ((length = length(stream)) < count) {
			if (System.nanoTime() - deadline > 0) {
				throw new ScenarioFailedException("Only " + length + " of " + count + " entries written to '" + stream
						+ "' within " + timeout.toSeconds() + " s");
			}
			LockSupport.parkNanos(500_000);
		}
		return System.nanoTime();
	}

	/** The sum of the values of a hash of integers; 0 when it does not exist. */
	long hashSum(String key) {
		return this.redis.hvals(key).stream().mapToLong(Long::parseLong).sum();
	}

	/**
	 * Calls and time of each command since Redis started or {@code CONFIG RESETSTAT} ({@code INFO commandstats}),
	 * by command name in lower case. A script's commands count under their own names as well as in its
	 * {@code evalsha}.
	 */
	Map<String, CommandStat> commandStats() {
		Map<String, CommandStat> stats = new HashMap<>();
		for (String line : this.redis.info("commandstats").split("\r?\n")) {
			if (!line.startsWith("cmdstat_")) {
				continue;
			}
			String name = line.substring("cmdstat_".length(), line.indexOf(':'));
			long calls = 0;
			long micros = 0;
			for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
				if (field.startsWith("calls=")) {
					calls = Long.parseLong(field.substring("calls=".length()));
				}
				else if (field.startsWith("usec=")) {
					micros = Long.parseLong(field.substring("usec=".length()));
				}
			}
			stats.put(name, new CommandStat(calls, micros));
		}
		return stats;
	}

	/** User plus system CPU time that Redis consumed since it started, in seconds. */
	double cpuSeconds() {
		CpuTime time = cpuTime();
		return time.userSeconds() + time.systemSeconds();
	}

	/**
	 * The CPU time Redis consumed since it started, user and system apart ({@code INFO cpu}): the system share
	 * is mostly socket reads and writes, which grow with the packets a client sends rather than its commands.
	 */
	CpuTime cpuTime() {
		String info = this.redis.info("cpu");
		double user = 0;
		double system = 0;
		for (String line : info.split("\r?\n")) {
			if (line.startsWith("used_cpu_sys:")) {
				system = Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
			}
			else if (line.startsWith("used_cpu_user:")) {
				user = Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
			}
		}
		return new CpuTime(user, system);
	}

	/**
	 * Waits until Redis has freed what {@code UNLINK} left to its background thread ({@code lazyfree_pending_objects}
	 * 0), at most the given time, so that a later {@code used_memory} is not lowered by the freeing of an earlier
	 * round's stream.
	 */
	void awaitLazyFree(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() - deadline < 0) {
			String pending = infoField("memory", "lazyfree_pending_objects:");
			if (pending == null || pending.equals("0")) {
				return;
			}
			LockSupport.parkNanos(1_000_000);
		}
	}

	private String infoField(String section, String prefix) {
		for (String line : this.redis.info(section).split("\r?\n")) {
			if (line.startsWith(prefix)) {
				return line.substring(prefix.length()).trim();
			}
		}
		return null;
	}

	/** {@code used_memory} of {@code INFO memory}: what Redis's allocator holds, in bytes. */
	long usedMemory() {
		for (String line : this.redis.info("memory").split("\r?\n")) {
			if (line.startsWith("used_memory:")) {
				return Long.parseLong(line.substring("used_memory:".length()).trim());
			}
		}
		throw new IllegalStateException("INFO memory without used_memory");
	}

	/**
	 * {@code MEMORY USAGE key SAMPLES 0}: the bytes a key takes, every element counted (no sampling); 0 when the
	 * key does not exist.
	 */
	long memoryUsage(String key) {
		StringCodec codec = StringCodec.UTF8;
		Long bytes = this.redis.dispatch(CommandType.MEMORY, new IntegerOutput<>(codec),
				new CommandArgs<>(codec).add("USAGE").addKey(key).add("SAMPLES").add(0));
		return (bytes != null) ? bytes : 0;
	}

	/** The fields of the first entry of a stream, values as text, for the report. */
	Map<String, String> firstEntry(String stream) {
		List<StreamMessage<String, String>> first = this.redis.xrange(stream, Range.create("-", "+"), Limit.from(1));
		return first.isEmpty() ? Map.of() : first.get(0).getBody();
	}

	/** Runs a command of the benchmark's own on the admin connection (e.g. to write idempotency markers). */
	RedisCommands<String, String> commands() {
		return this.redis;
	}

	String version() {
		String info = this.redis.info("server");
		for (String line : info.split("\r?\n")) {
			if (line.startsWith("redis_version:")) {
				return line.substring("redis_version:".length()).trim();
			}
		}
		return "unknown";
	}

	/**
	 * @param userSeconds CPU time in user space
	 * @param systemSeconds CPU time in the kernel on Redis's behalf (socket reads and writes, mostly)
	 */
	record CpuTime(double userSeconds, double systemSeconds) {
	}

	/**
	 * @param calls times the command was called
	 * @param micros time Redis spent in it, microseconds
	 */
	record CommandStat(long calls, long micros) {

		CommandStat minus(CommandStat earlier) {
			return (earlier == null) ? this : new CommandStat(this.calls - earlier.calls, this.micros - earlier.micros);
		}

	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
	}

}
