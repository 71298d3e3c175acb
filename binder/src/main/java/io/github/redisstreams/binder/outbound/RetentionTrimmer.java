package io.github.redisstreams.binder.outbound;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.models.stream.PendingMessages;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.TaskScheduler;

import io.github.redisstreams.binder.connection.GroupInfo;
import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ProducerMetrics;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.properties.RetentionMode;
import io.github.redisstreams.binder.support.PeriodicRuns;
import io.github.redisstreams.binder.support.StreamEntryIds;

/**
 * Applies a producer's retention to its streams periodically, off the write path, so that no
 * {@code XADD} pays for it.
 * <p>
 * In {@code safe} mode the trim never goes past the oldest entry that some consumer group still needs:
 * for each group, its oldest pending entry or else the first entry it has not read. When that holds the
 * requested cut back, the trim stops there, a WARN is logged (once per episode) and the
 * {@code retention held back} counter is incremented: the stream grows beyond {@code max-len} instead
 * of losing messages. Groups lost with a Redis restart are handled first ({@link RetentionGroups}): the
 * producer's required groups are created again, and a stream that had groups and has none is not
 * trimmed. In {@code capped} mode the length cap rides on each {@code XADD}, and this task only applies
 * {@code max-age} when a length cap is set too.
 * <p>
 * A length cap is translated into an entry id by the {@code trim-stream.lua} script, at most
 * {@value #STEP} entries per step, so that each step keeps Redis busy for a bounded time.
 */
public class RetentionTrimmer {

	private static final Log logger = LogFactory.getLog(RetentionTrimmer.class);

	private static final LuaScript SCRIPT = LuaScript.load("trim-stream.lua");

	/** Most entries one script call removes for the length cap. */
	static final int STEP = 1000;

	/** Most steps per stream and run; the next run continues. */
	private static final int MAX_STEPS = 100;

	private final StreamCommands commands;

	private final List<String> streams;

	private final RedisProducerProperties properties;

	private final ProducerMetrics metrics;

	private final RetentionGroups groups;

	private final List<String> heldBackStreams = new ArrayList<>();

	private ScheduledFuture<?> task;

	private TaskScheduler scheduler;

	private volatile boolean stopped;

	/**
	 * @param requiredGroups the producer's {@code required-groups}, created again whenever they are missing
	 */
	public RetentionTrimmer(StreamCommands commands, List<String> streams, List<String> requiredGroups,
			RedisProducerProperties properties, ProducerMetrics metrics) {
		this.commands = commands;
		this.streams = List.copyOf(streams);
		this.properties = properties;
		this.metrics = metrics;
		this.groups = new RetentionGroups(commands, requiredGroups);
	}

	/**
	 * Whether a producer with these properties needs a periodic trim.
	 * @param properties the producer properties
	 * @return true in safe mode with a retention, or in capped mode with both a length and an age limit
	 */
	public static boolean isNeeded(RedisProducerProperties properties) {
		if (properties.getRetentionMode() == RetentionMode.SAFE) {
			return properties.hasRetention();
		}
		return properties.getMaxLen() > 0 && properties.getMaxAge() != null;
	}

	/**
	 * Runs the trim every {@code trim-interval}, and again at once when a run had more to remove than one
	 * run may (a producer faster than the interval's worth of steps).
	 * @param scheduler a scheduler that runs one task at a time, so that runs never overlap
	 */
	public void start(TaskScheduler scheduler) {
		this.scheduler = scheduler;
		this.task = scheduler.scheduleWithFixedDelay(this::trimQuietly, this.properties.getTrimInterval());
	}

	public void stop() {
		this.stopped = true;
		if (this.task != null) {
			this.task.cancel(false);
		}
	}

	private void trimQuietly() {
		boolean[] behind = { false };
		for (String stream : this.streams) {
			PeriodicRuns.runQuietly(logger, "Retention trim of stream '" + stream + "'",
					() -> behind[0] |= trim(stream).more());
		}
		if (behind[0] && !this.stopped) {
			this.scheduler.schedule(this::trimQuietly, Instant.now());
		}
	}

	/**
	 * Trims one stream now, in at most {@value #MAX_STEPS} steps.
	 * @param stream the stream key
	 * @return how many entries were removed, and whether more are due than one run may remove
	 */
	public Outcome trim(String stream) {
		boolean safe = this.properties.getRetentionMode() == RetentionMode.SAFE;
		SafeBoundary boundary = null;
		if (safe) {
			List<GroupInfo> groups = this.groups.toRespect(stream);
			if (groups == null) {
				this.metrics.retentionHeldBack();
				return new Outcome(0, false);
			}
			boundary = safeBoundary(stream, groups);
		}
		long maxLen = safe ? this.properties.getMaxLen() : 0;
		String ageCut = (this.properties.getMaxAge() != null)
				? (System.currentTimeMillis() - this.properties.getMaxAge().toMillis()) + "-0" : "";
		long removed = 0;
		boolean heldBack = false;
		boolean more = false;
		for (int step = 0; step < MAX_STEPS; step++) {
			List<Long> result = this.commands.eval(SCRIPT, ScriptOutputType.MULTI, List.of(stream),
					ScriptArgs.of(maxLen, ageCut, (boundary != null) ? boundary.id() : "", STEP));
			removed += result.get(0);
			heldBack |= result.get(1) == 1L;
			more = result.get(2) == 1L;
			if (!more) {
				break;
			}
		}
		if (removed > 0) {
			this.metrics.trimmed(removed);
		}
		reportHeldBack(stream, heldBack, boundary);
		return new Outcome(removed, more);
	}

	/**
	 * The oldest entry some group still needs: its oldest pending entry, or else the entry after its last
	 * delivered one.
	 * @return the boundary, or null when the stream has no consumer group
	 */
	SafeBoundary safeBoundary(String stream, List<GroupInfo> groups) {
		SafeBoundary oldest = null;
		for (GroupInfo group : groups) {
			SafeBoundary candidate;
			PendingMessages pending = (group.pending() > 0) ? this.commands.xpending(stream, group.name()) : null;
			if (pending != null && pending.getCount() > 0 && pending.getMessageIds().getLower().getValue() != null) {
				candidate = new SafeBoundary(pending.getMessageIds().getLower().getValue(), group.name(),
						"its oldest pending entry");
			}
			else {
				candidate = new SafeBoundary(StreamEntryIds.successor(group.lastDeliveredId()), group.name(), "its first unread entry");
			}
			if (oldest == null || StreamEntryIds.compare(candidate.id(), oldest.id()) < 0) {
				oldest = candidate;
			}
		}
		return oldest;
	}

	private void reportHeldBack(String stream, boolean heldBack, SafeBoundary boundary) {
		synchronized (this.heldBackStreams) {
			if (heldBack) {
				this.metrics.retentionHeldBack();
				if (!this.heldBackStreams.contains(stream)) {
					this.heldBackStreams.add(stream);
					logger.warn("Retention of stream '" + stream + "' is held back by consumer group '" + boundary.group()
							+ "': " + boundary.reason() + " is " + boundary.id() + ", older than the requested cut "
							+ "(max-len " + this.properties.getMaxLen() + ", max-age " + this.properties.getMaxAge()
							+ "); the stream keeps those entries until the group catches up. A group nobody reads any "
							+ "more should be removed (XGROUP DESTROY)");
				}
			}
			else if (this.heldBackStreams.remove(stream)) {
				logger.info("Retention of stream '" + stream + "' is no longer held back");
			}
		}
	}

	/**
	 * The result of one trim run of a stream.
	 *
	 * @param removed how many entries were removed
	 * @param more whether more are due than one run may remove
	 */
	public record Outcome(long removed, boolean more) {

	}

	/**
	 * The oldest entry a group still needs.
	 *
	 * @param id the entry id (entries before it may go)
	 * @param group the group that needs it
	 * @param reason why, for the log
	 */
	record SafeBoundary(String id, String group, String reason) {

	}

}
