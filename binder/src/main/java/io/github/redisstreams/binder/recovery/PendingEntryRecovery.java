package io.github.redisstreams.binder.recovery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.models.stream.PendingMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.StreamEntry;
import io.github.redisstreams.binder.support.StreamEntryIds;

/**
 * Finds the pending entries a consumer must process besides new ones, and takes them one at a time:
 * <ul>
 * <li>its own, left by a previous run under the same name ({@code XPENDING ... consumer}), processed first
 * after a restart;</li>
 * <li>those idle longer than {@code claim-idle-time} ({@code XPENDING ... IDLE}): entries of dead consumers
 * and entries whose delivery failed.</li>
 * </ul>
 * Finding an entry does not deliver it. {@link #take} claims it right before its handler gets it, adding one
 * to Redis's delivery counter then, so that {@code max-deliveries} counts deliveries to a handler: entries
 * found together with one that kills the JVM are not charged for it. Pending entries whose stream entries
 * were deleted (trimmed) are reported as lost, once, by the consumer that removes them from the PEL.
 */
public class PendingEntryRecovery {

	private static final Log logger = LogFactory.getLog(PendingEntryRecovery.class);

	private static final LuaScript TAKE = LuaScript.load("take-pending.lua");

	private static final String START = "-";

	private final String stream;

	private final String group;

	private final String consumer;

	private final Duration claimIdleTime;

	private final int batchSize;

	private final ConsumerMetrics metrics;

	private final PendingEntryUpdates updates;

	private String ownPendingCursor = START;

	private boolean ownPendingDone;

	private String claimCursor = START;

	private boolean lastTakeBusy;

	public PendingEntryRecovery(String consumer, Duration claimIdleTime, int batchSize, ConsumerMetrics metrics,
			PendingEntryUpdates updates) {
		this.stream = updates.stream();
		this.group = updates.group();
		this.consumer = consumer;
		this.claimIdleTime = claimIdleTime;
		this.batchSize = batchSize;
		this.metrics = metrics;
		this.updates = updates;
	}

	/**
	 * Whether the consumer's own pending entries have all been handed out.
	 * @return true once {@link #nextOwnPending(StreamCommands)} returned an empty batch
	 */
	public boolean ownPendingDone() {
		return this.ownPendingDone;
	}

	/**
	 * Looks at the consumer's own pending entries again before the next new ones: a command that failed may have
	 * been a read whose reply was lost (a timeout, a cancelled read), its entries this consumer's, pending, though
	 * no handler got them.
	 */
	public void lookAtOwnPendingAgain() {
		this.ownPendingDone = false;
		this.ownPendingCursor = START;
	}

	/**
	 * The next batch of the consumer's own pending entries, oldest first, to be taken with
	 * {@link #take(StreamCommands, PendingEntry)}.
	 * @param commands the consumer's connection
	 * @return the batch; empty when there are no more
	 */
	public List<PendingEntry> nextOwnPending(StreamCommands commands) {
		List<PendingMessage> pending = commands.xpending(this.stream, this.group, this.consumer,
				this.ownPendingCursor, this.batchSize);
		if (pending.isEmpty()) {
			this.ownPendingDone = true;
			return List.of();
		}
		this.ownPendingCursor = StreamEntryIds.successor(pending.get(pending.size() - 1).getId());
		if (logger.isInfoEnabled()) {
			logger.info(this.consumer + " resumes " + pending.size() + " of its own pending entries on stream '"
					+ this.stream + "' (group '" + this.group + "')");
		}
		return pending.stream().map((message) -> new PendingEntry(message.getId(), true)).toList();
	}

	/**
	 * The next batch of entries idle longer than {@code claim-idle-time}, oldest first, to be taken with
	 * {@link #take(StreamCommands, PendingEntry)}.
	 * @param commands the consumer's connection
	 * @return the batch; empty when there are none
	 */
	public List<PendingEntry> nextIdle(StreamCommands commands) {
		List<PendingMessage> idle = commands.xpending(this.stream, this.group, this.claimIdleTime, this.claimCursor,
				this.batchSize);
		this.claimCursor = (idle.size() < this.batchSize) ? START
				: StreamEntryIds.successor(idle.get(idle.size() - 1).getId());
		if (!idle.isEmpty() && logger.isInfoEnabled()) {
			logger.info(this.consumer + " found " + idle.size() + " entries of stream '" + this.stream
					+ "' pending for more than " + this.claimIdleTime.toMillis() + " ms (group '" + this.group
					+ "'); taking them over");
		}
		return idle.stream().map((message) -> new PendingEntry(message.getId(), false)).toList();
	}

	/**
	 * For the one consumer of a partition, which keeps the stream's order: the oldest pending entries of the
	 * group, whoever owns them ({@code XPENDING stream group - + count}), to be taken in this order with
	 * {@link #takeInOrder}. Always from the start: what was taken is acknowledged before the next look.
	 * @param commands the consumer's connection
	 * @return the batch; empty when nothing is pending
	 */
	public List<PendingEntry> nextInStreamOrder(StreamCommands commands) {
		List<PendingMessage> pending = commands.xpending(this.stream, this.group, this.batchSize);
		return pending.stream()
			.map((message) -> new PendingEntry(message.getId(), this.consumer.equals(message.getConsumer())))
			.toList();
	}

	/**
	 * Takes a pending entry found by {@link #nextInStreamOrder}: its own at once, another consumer's only once
	 * it has been idle for {@code minIdle} (fenced in the script, as for {@link #take}). When it returns null,
	 * {@link #lastTakeBusy()} tells whether the entry is still pending elsewhere and must be waited for.
	 * @param minIdle how long another consumer's entry must have been idle: the time after which its owner is
	 * known to be gone
	 */
	public Delivery takeInOrder(StreamCommands commands, PendingEntry entry, Duration minIdle) {
		return take(commands, entry, entry.own() ? 0 : minIdle.toMillis());
	}

	/**
	 * Whether the last take found its entry still pending and not to be taken (another consumer's, not idle
	 * long enough): the consumer of a partition must not go past it.
	 */
	public boolean lastTakeBusy() {
		return this.lastTakeBusy;
	}

	/**
	 * Whether the last claim scan went through the whole PEL.
	 * @return true when the next scan starts from the beginning again
	 */
	public boolean claimScanComplete() {
		return START.equals(this.claimCursor);
	}

	/**
	 * Claims a pending entry for a delivery to this consumer's handler, adding one to its delivery counter.
	 * @param commands the consumer's connection
	 * @param entry the entry, as found by {@link #nextOwnPending} or {@link #nextIdle}
	 * @return the delivery, or null when the entry is not to be delivered by this consumer (acknowledged
	 * meanwhile, taken by a live consumer, or deleted from the stream: a loss, then reported)
	 */
	public Delivery take(StreamCommands commands, PendingEntry entry) {
		return take(commands, entry, entry.own() ? 0 : this.claimIdleTime.toMillis());
	}

	private Delivery take(StreamCommands commands, PendingEntry entry, long minIdleMillis) {
		List<Object> reply = commands.eval(TAKE, ScriptOutputType.MULTI, List.of(this.stream),
				ScriptArgs.of(this.group, this.consumer, minIdleMillis, entry.id(), entry.own() ? this.consumer : ""));
		String outcome = text(reply.get(0));
		this.lastTakeBusy = "busy".equals(outcome);
		if ("deleted".equals(outcome)) {
			this.updates.reportLost(List.of(entry.id()));
			return null;
		}
		if (!"taken".equals(outcome)) {
			return null;
		}
		String previousOwner = text(reply.get(1));
		long deliveryCount = (Long) reply.get(2);
		Map<String, byte[]> fields = new LinkedHashMap<>();
		for (int i = 3; i + 1 < reply.size(); i += 2) {
			fields.put(text(reply.get(i)), (byte[]) reply.get(i + 1));
		}
		if (!previousOwner.equals(this.consumer)) {
			this.metrics.reclaimed(1);
		}
		return new Delivery(new StreamEntry(entry.id(), fields), deliveryCount);
	}

	private static String text(Object value) {
		return new String((byte[]) value, StandardCharsets.UTF_8);
	}

	/**
	 * A pending entry found for this consumer, not yet delivered.
	 *
	 * @param id the entry id
	 * @param own whether it is the consumer's own (then taken whatever its idle time, if still its own)
	 */
	public record PendingEntry(String id, boolean own) {

	}

}
