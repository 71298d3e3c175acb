package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

import io.lettuce.core.RedisException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.TaskScheduler;

/**
 * Keeps the entries that consumers of a binding have fetched but not finished from looking abandoned.
 * <p>
 * Redis only knows how long an entry has been pending, not whether its consumer is alive. Without
 * this, a handler (or a batch) slower than {@code claim-idle-time} would have its entries claimed and
 * processed a second time by another consumer. Every third of {@code claim-idle-time} (on a partition, of the takeover time when shorter) the idle time of
 * each held entry is reset with {@code XCLAIM ... JUSTID} (which does not count as a delivery), so
 * only entries of consumers that are really gone ever reach the claim idle time. The keeper runs as long
 * as any consumer of the binding still works on an entry, even after the binding was asked to stop.
 */
public class LeaseKeeper {

	private static final Log logger = LogFactory.getLog(LeaseKeeper.class);

	private final PendingEntryUpdates updates;

	private final Duration renewInterval;

	private final Map<String, Set<String>> heldByConsumer = new ConcurrentHashMap<>();

	private final Map<String, Runnable> onTakenAway = new ConcurrentHashMap<>();

	private ScheduledFuture<?> task;

	private volatile boolean failing;

	public LeaseKeeper(PendingEntryUpdates updates, Duration claimIdleTime) {
		this.updates = updates;
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

	/**
	 * What to do when another consumer took an entry the consumer still holds (a consumer reading a partition in
	 * stream order stops its batch: the partition may have a new owner).
	 */
	public void onTakenAway(String consumer, Runnable action) {
		this.onTakenAway.put(consumer, action);
	}

	/**
	 * Starts renewing, unless already started.
	 */
	public synchronized void start(TaskScheduler scheduler) {
		if (this.task == null) {
			this.task = scheduler.scheduleAtFixedRate(this::renewAll, this.renewInterval);
		}
	}

	public synchronized void stop() {
		if (this.task != null) {
			this.task.cancel(false);
			this.task = null;
		}
	}

	public synchronized boolean isRunning() {
		return this.task != null;
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
	 * Hands entries a consumer fetched but will not process (it is stopping) back to the group, so that
	 * the next claim of any live consumer takes them at once instead of leaving them to age first.
	 * @param consumer the consumer that owns them
	 * @param ids the entries
	 * @param deliveryCount the delivery counter to give them, or null to keep it
	 */
	public void release(String consumer, List<String> ids, Long deliveryCount) {
		if (ids.isEmpty()) {
			return;
		}
		this.updates.handBack(consumer, ids, deliveryCount);
		if (logger.isInfoEnabled()) {
			logger.info(consumer + " handed " + ids.size() + " unprocessed entries of stream '" + this.updates.stream()
					+ "' back to group '" + this.updates.group() + "'");
		}
	}

	private void renew(String consumer, List<String> ids, Set<String> stillHeld) {
		try {
			for (String id : this.updates.renew(consumer, ids)) {
				// an id finished meanwhile is simply no longer pending; only one still held was taken away
				if (stillHeld.contains(id)) {
					Runnable action = this.onTakenAway.get(consumer);
					if (action != null) {
						action.run();
					}
					logger.warn("Entry " + id + " of stream '" + this.updates.stream() + "' was claimed by another "
							+ "consumer of group '" + this.updates.group() + "' while " + consumer
							+ " was still processing it; it may be processed twice");
				}
			}
			if (this.failing) {
				this.failing = false;
				logger.info("Leases of " + consumer + " on stream '" + this.updates.stream() + "' renewed again");
			}
		}
		catch (RuntimeException ex) {
			// a RuntimeException must not escape: it would cancel the periodic task
			if (!this.failing) {
				this.failing = true;
				logger.warn("Could not renew the leases of " + ids.size() + " entries " + consumer
						+ " is working on (stream '" + this.updates.stream() + "'); if this lasts longer than "
						+ "claim-idle-time another consumer may take them over and process them twice: " + ex,
						(ex instanceof RedisException) ? null : ex);
			}
		}
	}

}
