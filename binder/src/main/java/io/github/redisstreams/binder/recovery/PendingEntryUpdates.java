package io.github.redisstreams.binder.recovery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.ScriptOutputType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;

/**
 * Changes the pending entries a consumer owns without delivering them ({@code XCLAIM ... JUSTID} in the
 * {@code pending-update.lua} script): renews their leases, hands them back to the group, or records a
 * failed delivery in Redis's delivery counter. Entries another consumer owns now are left alone.
 * <p>
 * Ids go to the script in chunks: Lua's {@code unpack} fails beyond about 8,000 values, and a batch or a
 * lease set may hold more ids than that.
 */
public class PendingEntryUpdates {

	private static final Log logger = LogFactory.getLog(PendingEntryUpdates.class);

	private static final LuaScript SCRIPT = LuaScript.load("pending-update.lua");

	private static final LuaScript RESET = LuaScript.load("reset-delivery-counts.lua");

	/** Most ids per script call. */
	static final int CHUNK = 1000;

	private final StreamCommands commands;

	private final String stream;

	private final String group;

	private final Duration claimIdleTime;

	private final ConsumerMetrics metrics;

	public PendingEntryUpdates(StreamCommands commands, String stream, String group, Duration claimIdleTime,
			ConsumerMetrics metrics) {
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.claimIdleTime = claimIdleTime;
		this.metrics = metrics;
	}

	public String stream() {
		return this.stream;
	}

	public String group() {
		return this.group;
	}

	/**
	 * Resets the idle time of entries the consumer is still working on. Entries deleted from the stream
	 * meanwhile stay pending: the consumer has them in memory and its acknowledgement clears them.
	 * @return the ids another consumer owns now
	 */
	public List<String> renew(String consumer, List<String> ids) {
		return update(consumer, ids, 0, null, false);
	}

	/**
	 * Gives entries the consumer has just read, and that wait for their turn in the batch, a delivery counter
	 * of 0, without waiting for the reply: an entry counts as delivered only once a handler gets it. Only
	 * entries still owned by the consumer and still at the count of 1 the read gave them are touched
	 * ({@code reset-delivery-counts.lua}).
	 * @param commands the connection that read them, so that the reset goes ahead of the next command there
	 * @param ids the ids, in stream order, all read together
	 * @return completes when Redis applied the reset (or refused it)
	 */
	public CompletableFuture<?> resetDeliveryCountsAsync(StreamCommands commands, String consumer, List<String> ids) {
		List<CompletableFuture<?>> chunks = new ArrayList<>();
		for (int from = 0; from < ids.size(); from += CHUNK) {
			List<String> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
			ScriptArgs args = ScriptArgs.of(this.group, consumer, chunk.get(0), chunk.get(chunk.size() - 1),
					chunk.size());
			chunks.add(commands.<Long>evalAsync(RESET, ScriptOutputType.INTEGER, List.of(this.stream), args)
				.whenComplete((reset, ex) -> {
					if (ex != null && logger.isDebugEnabled()) {
						logger.debug("Could not reset the delivery counters of entries just read from stream '"
								+ this.stream + "'", ex);
					}
				}));
		}
		return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new));
	}

	/**
	 * Hands entries the consumer fetched but will not process back to the group: their idle time becomes
	 * {@code claim-idle-time}, so the next claim of any live consumer takes them at once.
	 * @param deliveryCount the delivery counter to give them (the deliveries their handlers really had), or
	 * null to keep it
	 */
	public void handBack(String consumer, List<String> ids, Long deliveryCount) {
		update(consumer, ids, this.claimIdleTime.toMillis(), deliveryCount, true);
	}

	/**
	 * Records that the handler of a pending entry failed on its {@code deliveryCount}th delivery; the
	 * entry ages from now and is delivered again after {@code claim-idle-time}.
	 * @return false when another consumer owns the entry now
	 */
	public boolean recordFailedDelivery(String consumer, String id, long deliveryCount) {
		return update(consumer, List.of(id), 0, deliveryCount, true).isEmpty();
	}

	private List<String> update(String consumer, List<String> ids, long idleMillis, Long deliveryCount,
			boolean acknowledgeDeleted) {
		List<String> takenByOthers = new ArrayList<>();
		for (int from = 0; from < ids.size(); from += CHUNK) {
			List<String> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
			List<List<byte[]>> reply = this.commands.eval(SCRIPT, ScriptOutputType.MULTI, List.of(this.stream),
					arguments(consumer, chunk, idleMillis, deliveryCount, acknowledgeDeleted));
			reply.get(0).forEach((id) -> takenByOthers.add(text(id)));
			List<String> deleted = reply.get(1).stream().map(PendingEntryUpdates::text).toList();
			// per chunk: a later chunk that fails must not swallow the report of what this one acknowledged
			if (acknowledgeDeleted && !deleted.isEmpty()) {
				reportLost(deleted);
			}
		}
		return takenByOthers;
	}

	private ScriptArgs arguments(String consumer, List<String> ids, long idleMillis, Long deliveryCount,
			boolean acknowledgeDeleted) {
		return ScriptArgs
			.of(this.group, consumer, idleMillis, (deliveryCount != null) ? deliveryCount : "",
					acknowledgeDeleted ? "1" : "0")
			.addAll(ids);
	}

	/**
	 * Logs and counts entries that were deleted from the stream (trimmed, {@code XDEL}) while pending and
	 * never processed: data loss an operator must see. Each is reported once, by whoever removes it from the
	 * PEL.
	 */
	void reportLost(List<String> ids) {
		this.metrics.lostToTrimming(ids.size());
		logger.warn(ids.size() + " pending entries of stream '" + this.stream + "' (group '" + this.group
				+ "') were deleted from the stream before they were processed, most likely trimmed by MAXLEN/MINID "
				+ "retention; these messages are lost: " + ids);
	}

	private static String text(byte[] raw) {
		return new String(raw, StandardCharsets.UTF_8);
	}

}
