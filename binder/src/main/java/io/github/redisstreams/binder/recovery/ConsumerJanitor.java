package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

import io.lettuce.core.ScriptOutputType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.TaskScheduler;

import io.github.redisstreams.binder.connection.ConsumerInfo;
import io.github.redisstreams.binder.connection.GroupInfo;
import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.support.PeriodicRuns;
import io.github.redisstreams.binder.support.StreamKeys;

/**
 * Removes what dead instances leave behind in a stream's consumer groups:
 * <ul>
 * <li>consumers of the binding's group idle longer than {@code consumer-expiry} that own no pending
 * entries ({@code XGROUP DELCONSUMER}, checked and done in one Lua script, so a consumer with work in
 * its PEL is never removed);</li>
 * <li>groups of anonymous bindings whose consumers have all been idle longer than
 * {@code consumer-expiry} (the instance died without unbinding); left behind they would hold back
 * safe retention of the stream forever. A group with no consumer at all is left alone: it may
 * belong to an instance that has just created it.</li>
 * </ul>
 * A live consumer reads at least every {@code block-timeout}, which resets its idle time, so it never
 * qualifies.
 */
public class ConsumerJanitor {

	private static final Log logger = LogFactory.getLog(ConsumerJanitor.class);

	private static final LuaScript SCRIPT = LuaScript.load("delete-idle-consumer.lua");

	private final StreamCommands commands;

	private final String stream;

	private final String group;

	private final Set<String> ownConsumers;

	private final Duration expiry;

	private ScheduledFuture<?> task;

	public ConsumerJanitor(StreamCommands commands, String stream, String group, Set<String> ownConsumers,
			Duration expiry) {
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.ownConsumers = Set.copyOf(ownConsumers);
		this.expiry = expiry;
	}

	public void start(TaskScheduler scheduler) {
		long period = Math.max(1000, Math.min(this.expiry.toMillis() / 4, Duration.ofMinutes(5).toMillis()));
		this.task = scheduler.scheduleWithFixedDelay(this::sweepQuietly, Duration.ofMillis(period));
	}

	public void stop() {
		if (this.task != null) {
			this.task.cancel(false);
		}
	}

	private void sweepQuietly() {
		PeriodicRuns.runQuietly(logger, "Consumer clean-up of stream '" + this.stream + "'", this::sweep);
	}

	/**
	 * Runs one clean-up now.
	 * @return the number of consumers and groups removed
	 */
	public int sweep() {
		int removed = 0;
		long expiryMillis = this.expiry.toMillis();
		for (ConsumerInfo consumer : this.commands.xinfoConsumers(this.stream, this.group)) {
			if (!this.ownConsumers.contains(consumer.name()) && consumer.pending() == 0
					&& consumer.idleMillis() > expiryMillis && deleteIfNothingPending(consumer.name())) {
				removed++;
				logger.info("Removed consumer '" + consumer.name() + "' from group '" + this.group + "' of stream '"
						+ this.stream + "': idle for " + consumer.idleMillis() + " ms with no pending entries");
			}
		}
		for (GroupInfo other : this.commands.xinfoGroups(this.stream)) {
			if (other.name().startsWith(StreamKeys.ANONYMOUS_GROUP_PREFIX) && !other.name().equals(this.group)
					&& allIdle(other.name(), expiryMillis)) {
				this.commands.xgroupDestroy(this.stream, other.name());
				removed++;
				logger.info("Removed abandoned anonymous group '" + other.name() + "' from stream '" + this.stream + "'");
			}
		}
		return removed;
	}

	private boolean deleteIfNothingPending(String consumer) {
		Long result = this.commands.eval(SCRIPT, ScriptOutputType.INTEGER, List.of(this.stream),
				ScriptArgs.of(this.group, consumer));
		return result != null && result == 1L;
	}

	private boolean allIdle(String anonymousGroup, long expiryMillis) {
		List<ConsumerInfo> consumers = this.commands.xinfoConsumers(this.stream, anonymousGroup);
		// a group without consumers may have just been created by an instance about to read from it
		return !consumers.isEmpty() && consumers.stream().allMatch((consumer) -> consumer.idleMillis() > expiryMillis);
	}

}
