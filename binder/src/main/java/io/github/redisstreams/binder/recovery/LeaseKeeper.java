package io.github.redisstreams.binder.recovery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.TaskScheduler;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * Keeps the entries that consumers of a binding have fetched but not finished from looking abandoned.
 * <p>
 * Redis only knows how long an entry has been pending, not whether its consumer is alive. Without
 * this, a handler (or a batch) slower than {@code claim-idle-time} would have its entries claimed and
 * processed a second time by another consumer. Every third of {@code claim-idle-time} the idle time of
 * each held entry is reset with {@code XCLAIM ... JUSTID} (which does not count as a delivery), so
 * only entries of consumers that are really gone ever reach the claim idle time.
 */
public class LeaseKeeper {

	private static final Log logger = LogFactory.getLog(LeaseKeeper.class);

	private static final LuaScript SCRIPT = LuaScript.load("reset-idle.lua");

	private final StreamCommands commands;

	private final String stream;

	private final String group;

	private final Duration renewInterval;

	private final Duration claimIdleTime;

	private final Map<String, Set<String>> heldByConsumer = new ConcurrentHashMap<>();

	private ScheduledFuture<?> task;

	public LeaseKeeper(StreamCommands commands, String stream, String group, Duration claimIdleTime) {
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.claimIdleTime = claimIdleTime;
		this.renewInterval = Duration.ofMillis(Math.max(50, claimIdleTime.toMillis() / 3));
	}

	/**
	 * The set in which a consumer keeps the ids it holds: add ids when they are fetched, remove them
	 * when they are finished (before they are acknowledged).
	 * @param consumer the consumer name
	 * @return a thread-safe set
	 */
	public Set<String> register(String consumer) {
		return this.heldByConsumer.computeIfAbsent(consumer, (name) -> ConcurrentHashMap.newKeySet());
	}

	public void start(TaskScheduler scheduler) {
		this.task = scheduler.scheduleAtFixedRate(this::renewAll, this.renewInterval);
	}

	public void stop() {
		if (this.task != null) {
			this.task.cancel(false);
		}
	}

	/**
	 * Renews the lease of every held entry now.
	 */
	public void renewAll() {
		for (Map.Entry<String, Set<String>> held : this.heldByConsumer.entrySet()) {
			List<String> ids = new ArrayList<>(held.getValue());
			if (!ids.isEmpty()) {
				renew(held.getKey(), ids, held.getValue());
			}
		}
	}

	/**
	 * Hands entries a consumer fetched but will not process (it is stopping) back to the group: their idle
	 * time is set to {@code claim-idle-time}, so that the next claim of any live consumer takes them,
	 * instead of leaving them to age first.
	 * @param consumer the consumer that owns them
	 * @param ids the entries
	 */
	public void release(String consumer, List<String> ids) {
		if (ids.isEmpty()) {
			return;
		}
		this.commands.eval(SCRIPT, ScriptOutputType.MULTI, List.of(this.stream),
				arguments(consumer, this.claimIdleTime.toMillis(), ids));
		if (logger.isInfoEnabled()) {
			logger.info(consumer + " handed " + ids.size() + " unprocessed entries of stream '" + this.stream
					+ "' back to group '" + this.group + "'");
		}
	}

	private void renew(String consumer, List<String> ids, Set<String> stillHeld) {
		try {
			List<byte[]> lost = this.commands.eval(SCRIPT, ScriptOutputType.MULTI, List.of(this.stream),
					arguments(consumer, 0, ids));
			for (byte[] raw : lost) {
				String id = new String(raw, StandardCharsets.UTF_8);
				// an id finished meanwhile is simply no longer pending; only one still held was taken away
				if (stillHeld.contains(id)) {
					logger.warn("Entry " + id + " of stream '" + this.stream + "' was claimed by another consumer of group '"
							+ this.group + "' while " + consumer + " was still processing it; it may be processed twice");
				}
			}
		}
		catch (RedisException ex) {
			logger.debug("Could not renew the leases of " + consumer + " on stream '" + this.stream + "'", ex);
		}
		catch (RuntimeException ex) {
			// an exception would cancel the periodic task: report it and renew again next time
			logger.warn("Could not renew the leases of " + consumer + " on stream '" + this.stream + "'", ex);
		}
	}

	private List<byte[]> arguments(String consumer, long idleMillis, List<String> ids) {
		List<byte[]> args = new ArrayList<>(ids.size() + 3);
		args.add(bytes(this.group));
		args.add(bytes(consumer));
		args.add(bytes(Long.toString(idleMillis)));
		for (String id : ids) {
			args.add(bytes(id));
		}
		return args;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
