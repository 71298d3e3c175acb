package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.AutoClaimResult;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.observability.ConsumerMetrics;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.StreamEntry;

/**
 * Finds the pending entries a consumer must process besides new ones:
 * <ul>
 * <li>its own, left by a previous run under the same name ({@code XREADGROUP ... 0}), processed first
 * after a restart;</li>
 * <li>those of other consumers idle longer than {@code claim-idle-time}, taken over with
 * {@code XAUTOCLAIM}: entries of dead consumers and entries whose delivery failed.</li>
 * </ul>
 * Each comes with Redis's delivery counter (from {@code XPENDING}: neither command returns it), so that
 * {@code max-deliveries} is judged on Redis's count. Pending ids whose entries were trimmed away are
 * logged as lost and counted: that is data loss the operator must see.
 */
public class PendingEntryRecovery {

	private static final Log logger = LogFactory.getLog(PendingEntryRecovery.class);

	/**
	 * Room for other entries of the consumer's PEL that fall between the ids of a batch (entries it
	 * failed earlier), so that the XPENDING range still reaches the last id of the batch.
	 */
	private static final int OTHER_PENDING_ALLOWANCE = 1000;

	private final String stream;

	private final String group;

	private final String consumer;

	private final Duration claimIdleTime;

	private final int batchSize;

	private final ConsumerMetrics metrics;

	private String ownPendingCursor = "0";

	private boolean ownPendingDone;

	private String claimCursor = "0-0";

	public PendingEntryRecovery(String stream, String group, String consumer, Duration claimIdleTime, int batchSize,
			ConsumerMetrics metrics) {
		this.stream = stream;
		this.group = group;
		this.consumer = consumer;
		this.claimIdleTime = claimIdleTime;
		this.batchSize = batchSize;
		this.metrics = metrics;
	}

	/**
	 * Whether the consumer's own pending entries have all been handed out.
	 * @return true once {@link #nextOwnPending(StreamCommands)} returned an empty batch
	 */
	public boolean ownPendingDone() {
		return this.ownPendingDone;
	}

	/**
	 * The next batch of the consumer's own pending entries, oldest first.
	 * @param commands the consumer's connection
	 * @return the batch; empty when there are no more
	 */
	public List<Delivery> nextOwnPending(StreamCommands commands) {
		List<StreamEntry> entries = commands.readGroup(this.stream, this.group, this.consumer, this.ownPendingCursor,
				this.batchSize, null);
		if (entries.isEmpty()) {
			this.ownPendingDone = true;
			return Collections.emptyList();
		}
		this.ownPendingCursor = entries.get(entries.size() - 1).id();
		List<String> deleted = new ArrayList<>();
		List<StreamEntry> present = new ArrayList<>(entries.size());
		for (StreamEntry entry : entries) {
			if (entry.isDeleted()) {
				deleted.add(entry.id());
			}
			else {
				present.add(entry);
			}
		}
		if (!deleted.isEmpty()) {
			// unlike XAUTOCLAIM, XREADGROUP leaves such ids in the PEL: acknowledge them to clear it
			commands.await(commands.ack(this.stream, this.group, deleted));
			reportLost(deleted);
		}
		if (!present.isEmpty() && logger.isInfoEnabled()) {
			logger.info(this.consumer + " resumes " + present.size() + " of its own pending entries on stream '"
					+ this.stream + "' (group '" + this.group + "')");
		}
		return withDeliveryCounts(commands, present);
	}

	/**
	 * Claims one batch of entries idle longer than {@code claim-idle-time}.
	 * @param commands the consumer's connection
	 * @return the claimed entries; empty when none
	 */
	public List<Delivery> claimIdle(StreamCommands commands) {
		AutoClaimResult result = commands.autoClaim(this.stream, this.group, this.consumer, this.claimIdleTime,
				this.claimCursor, this.batchSize);
		this.claimCursor = result.nextCursor();
		if (!result.deletedIds().isEmpty()) {
			reportLost(result.deletedIds());
		}
		List<StreamEntry> claimed = new ArrayList<>(result.claimed().size());
		for (StreamEntry entry : result.claimed()) {
			if (!entry.isDeleted()) {
				claimed.add(entry);
			}
		}
		if (!claimed.isEmpty()) {
			this.metrics.reclaimed(claimed.size());
			if (logger.isInfoEnabled()) {
				logger.info(this.consumer + " claimed " + claimed.size() + " entries of stream '" + this.stream
						+ "' idle for more than " + this.claimIdleTime.toMillis() + " ms (group '" + this.group + "')");
			}
		}
		return withDeliveryCounts(commands, claimed);
	}

	/**
	 * Whether the last claim scan went through the whole PEL.
	 * @return true when the next claim starts from the beginning again
	 */
	public boolean claimScanComplete() {
		return "0-0".equals(this.claimCursor);
	}

	private List<Delivery> withDeliveryCounts(StreamCommands commands, List<StreamEntry> entries) {
		if (entries.isEmpty()) {
			return Collections.emptyList();
		}
		Map<String, Long> counts = commands.deliveryCounts(this.stream, this.group, this.consumer, entries.get(0).id(),
				entries.get(entries.size() - 1).id(), entries.size() + OTHER_PENDING_ALLOWANCE);
		List<Delivery> deliveries = new ArrayList<>(entries.size());
		for (StreamEntry entry : entries) {
			// an id missing from XPENDING was acknowledged meanwhile; count 1 makes it harmless either way
			deliveries.add(new Delivery(entry, counts.getOrDefault(entry.id(), 1L)));
		}
		return deliveries;
	}

	private void reportLost(List<String> ids) {
		this.metrics.lostToTrimming(ids.size());
		logger.warn(ids.size() + " pending entries of stream '" + this.stream + "' (group '" + this.group
				+ "') were deleted from the stream before they were processed, most likely trimmed by MAXLEN/MINID "
				+ "retention; these messages are lost: " + ids);
	}

}
