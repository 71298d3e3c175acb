package io.github.redisstreams.binder.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The atomic step of the entry a handler of a transactional binding ({@code transactional: true}) is
 * processing. The binder stages here, instead of sending them, the writes the handler makes through the
 * binder on its thread (a {@code Function}'s output, {@code StreamBridge.send} to a Redis binding); the
 * handler adds its own Redis writes with the methods below. After the handler returned, one script applies
 * them together with the entry's acknowledgement and idempotency marker, only if the entry is still pending
 * and owned by the consumer: all of them, or none (the entry is then delivered again). If the handler throws,
 * nothing staged is applied.
 * <p>
 * Writes go to keys of the input stream's Redis Cluster slot: give them the stream's hash tag, e.g.
 * {@code {orders}:totals} for the stream {@code orders} (whose own keys are tagged {@code {orders}}).
 * Staging is bound to the handler's thread.
 */
public final class RedisStreamTransaction {

	private static final ThreadLocal<RedisStreamTransaction> CURRENT = new ThreadLocal<>();

	private final List<StagedCommand> commands = new ArrayList<>(4);

	/** The binder connection the step is applied on: only writes to the same Redis join it. */
	private final Object owner;

	private volatile boolean ended;

	private RedisStreamTransaction(Object owner) {
		this.owner = owner;
	}

	/**
	 * The step of the entry this thread's handler is processing.
	 * @return the step
	 * @throws IllegalStateException when this thread is not running the handler of a transactional binding
	 */
	public static RedisStreamTransaction current() {
		RedisStreamTransaction step = CURRENT.get();
		if (step == null) {
			throw new IllegalStateException("No transactional step on this thread: RedisStreamTransaction.current() "
					+ "works in the handler of a binding with 'transactional: true', on the handler's own thread");
		}
		return step;
	}

	/**
	 * Whether this thread is running the handler of a transactional binding.
	 */
	public static boolean isActive() {
		return CURRENT.get() != null;
	}

	/**
	 * Whether this thread is running the handler of a transactional binding whose step is applied on the given
	 * connection: a producer of the same Redis stages its writes, one of another Redis (another binder) sends
	 * them. For the binder.
	 */
	public static boolean isActiveFor(Object connection) {
		RedisStreamTransaction step = CURRENT.get();
		return step != null && step.owner == connection;
	}

	/**
	 * Starts staging the writes of the current thread (again, for each attempt of a handler). For the binder.
	 * @param connection the connection the step will be applied on
	 */
	public static void begin(Object connection) {
		CURRENT.set(new RedisStreamTransaction(connection));
	}

	/**
	 * Stops staging; the step takes no more writes. For the binder.
	 * @return what was staged since {@link #begin(Object)}, empty when nothing
	 */
	public static List<StagedCommand> end() {
		RedisStreamTransaction step = CURRENT.get();
		CURRENT.remove();
		if (step == null) {
			return List.of();
		}
		synchronized (step) {
			step.ended = true;
			return List.copyOf(step.commands);
		}
	}

	/**
	 * {@code HINCRBY key field increment}.
	 */
	public RedisStreamTransaction hincrby(String key, String field, long increment) {
		return stage("HINCRBY", key, text(field), text(Long.toString(increment)));
	}

	/**
	 * {@code HSET key field value}.
	 */
	public RedisStreamTransaction hset(String key, String field, String value) {
		return stage("HSET", key, text(field), text(value));
	}

	/**
	 * {@code INCRBY key increment}.
	 */
	public RedisStreamTransaction incrby(String key, long increment) {
		return stage("INCRBY", key, text(Long.toString(increment)));
	}

	/**
	 * {@code SET key value}.
	 */
	public RedisStreamTransaction set(String key, String value) {
		return stage("SET", key, text(value));
	}

	/**
	 * {@code SADD key member}.
	 */
	public RedisStreamTransaction sadd(String key, String member) {
		return stage("SADD", key, text(member));
	}

	/**
	 * {@code ZINCRBY key increment member}.
	 */
	public RedisStreamTransaction zincrby(String key, double increment, String member) {
		if (Double.isNaN(increment) || Double.isInfinite(increment)) {
			throw new IllegalArgumentException("ZINCRBY needs a finite increment, not " + increment);
		}
		return stage("ZINCRBY", key, text(Double.toString(increment)), text(member));
	}

	/**
	 * {@code DEL key}.
	 */
	public RedisStreamTransaction del(String key) {
		return stage("DEL", key);
	}

	/**
	 * {@code XADD key [trim] * field value ...}: an entry written by the binder's producers (their output
	 * encoded as they would send it). For the binder.
	 * @param trim the trimming arguments, e.g. {@code MAXLEN ~ 1000}, or empty
	 */
	public void stageStreamEntry(String stream, List<String> trim, Map<byte[], byte[]> fields) {
		List<byte[]> args = new ArrayList<>(trim.size() + 1 + fields.size() * 2);
		trim.forEach((arg) -> args.add(text(arg)));
		args.add(text("*"));
		fields.forEach((name, value) -> {
			args.add(name);
			args.add(value);
		});
		add(new StagedCommand("XADD", stream, args));
	}

	private synchronized void add(StagedCommand command) {
		if (this.ended) {
			// a write staged after the handler returned (from another thread) would be lost silently
			throw new IllegalStateException("This transactional step has ended (its handler returned or failed): "
					+ command.command() + " " + command.key() + " cannot join it; stage writes on the handler's thread, "
					+ "before it returns");
		}
		this.commands.add(command);
	}

	private RedisStreamTransaction stage(String command, String key, byte[]... args) {
		if (key == null || key.isEmpty()) {
			throw new IllegalArgumentException(command + " needs a key");
		}
		add(new StagedCommand(command, key, List.of(args)));
		return this;
	}

	private static byte[] text(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * One staged write: a command on one key.
	 *
	 * @param command the command, e.g. {@code XADD}
	 * @param key its key
	 * @param args its arguments after the key
	 */
	public record StagedCommand(String command, String key, List<byte[]> args) {

	}

}
