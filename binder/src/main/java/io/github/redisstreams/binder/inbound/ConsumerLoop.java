package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import io.lettuce.core.RedisException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

import io.github.redisstreams.binder.connection.GroupOffset;
import io.github.redisstreams.binder.connection.RedisErrors;
import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.provisioning.RedisStreamProvisioner;
import io.github.redisstreams.binder.recovery.LeaseKeeper;
import io.github.redisstreams.binder.recovery.PendingEntryRecovery;
import io.github.redisstreams.binder.recovery.PendingEntryRecovery.PendingEntry;
import io.github.redisstreams.binder.recovery.PendingEntryUpdates;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.OutageLogger;
import io.github.redisstreams.binder.support.StreamEntry;

/**
 * The reading loop of one consumer (one concurrency slot) of a binding, on its own thread and its own
 * Redis connection:
 * <ol>
 * <li>first the consumer's own pending entries, left by a previous run under the same name (and again after a
 * failed command, which may have been a read whose reply was lost);</li>
 * <li>then, in turn: every {@code claim-interval}, entries idle longer than {@code claim-idle-time}, and
 * new entries ({@code XREADGROUP ... >} blocking up to {@code block-timeout}).</li>
 * </ol>
 * Pending entries are taken one at a time, right before their handler gets them (see
 * {@link PendingEntryRecovery}). New entries arrive with a delivery counter of 1 each; all but the first of
 * a batch are set back to 0 at once (one command per batch, not awaited), so that an entry counts as
 * delivered only when a handler gets it, and the entries behind one that kills the JVM are not charged.
 * With batch-mode, a batch of new entries goes to the handler in one call ({@link BatchProcessor}): all of
 * them are delivered, so none is set back; pending entries still go one at a time.
 * <p>
 * On a partition ({@link ConsumerSettings#ordered()}), the one consumer keeps the stream's order instead: before
 * it reads new entries (at its start, after a failed delivery, and every {@code claim-interval}) it finishes
 * every pending entry of the group, oldest first, whoever owned it: its own at once, a previous owner's once
 * idle for the takeover time, waiting for one that is not rather than passing it. A delivery that fails stops
 * its batch: the failed entry is delivered again, after {@code claim-idle-time}, before anything behind it.
 * A failure of Redis never ends the loop: a lost connection is retried with exponential back-off
 * (logged once per outage), and a group that vanished is created again. Stopping lets the current
 * batch finish and be acknowledged.
 */
final class ConsumerLoop implements Runnable {

	private static final Log logger = LogFactory.getLog(ConsumerLoop.class);

	private static final Duration ACK_FLUSH_TIMEOUT = Duration.ofSeconds(10);

	private final ConsumerSettings settings;

	private final String consumer;

	private final RedisStreamConnections connections;

	private final RedisStreamProvisioner provisioner;

	private final EntryProcessor processor;

	/** With batch-mode: hands each batch of new entries to the handler in one call; null otherwise. */
	private final BatchProcessor batches;

	/** With ack-mode manual: the acknowledgement handles of this consumer's entries; null otherwise. */
	private final ManualSettlement manual;

	private final AckBatcher acks;

	private final LeaseKeeper leases;

	private final Set<String> held;

	private final PendingEntryRecovery recovery;

	private final OutageLogger outage;

	private final ConsumerState state = new ConsumerState();

	private volatile StreamCommands reader;

	private final PendingEntryUpdates pendingUpdates;

	private final UnstartedEntries unstarted = new UnstartedEntries();

	private final ConsumerLoop predecessor;

	private final Runnable onFinished;

	private final long startedAt = System.currentTimeMillis();

	private String lastSeenId;

	private boolean registered;

	private long nextClaimAt = System.nanoTime();

	private boolean claimScanning;

	/** Whether the last batch came from a claim: claims and new entries take turns. */
	private boolean claimedLast;

	/** On a partition read in stream order: set by a failed delivery, which then stops its batch; null otherwise. */
	private final OrderHold hold;

	/** On a partition read in stream order: whether the pending entries were finished since the last look. */
	private boolean inOrderPendingDone;

	/** On a partition read in stream order: whether the last pending batch had to wait for an entry. */
	private boolean waitedForEntry;

	/**
	 * Whether the partition's lease is surely valid for at least the time given: asked before each read (for
	 * block-timeout) and before each entry of a batch (for now).
	 */
	private volatile Predicate<Duration> readPermit = (time) -> true;

	/** On a partition read in stream order: whether the last batch stopped because the lease was no longer sure. */
	private boolean leaseLapsed;

	/** The reset of the delivery counters of the current batch of new entries; a failure is recorded after it. */
	private CompletableFuture<?> countsReset = CompletableFuture.completedFuture(null);

	/**
	 * @param predecessor the loop that ran under the same name before this one and may still be finishing
	 * an entry (a binding stopped and started again), or null: this loop reads nothing until it finished
	 * @param onFinished run when the loop has finished
	 * @param manual with {@code ack-mode: manual}, the acknowledgement handles of the consumer; null otherwise
	 */
	ConsumerLoop(ConsumerSettings settings, String consumer, RedisStreamConnections connections,
			RedisStreamProvisioner provisioner, EntryProcessor processor, AckBatcher acks, LeaseKeeper leases,
			PendingEntryRecovery recovery, PendingEntryUpdates pendingUpdates, ConsumerLoop predecessor,
			Runnable onFinished, ManualSettlement manual) {
		this.settings = settings;
		this.consumer = consumer;
		this.connections = connections;
		this.provisioner = provisioner;
		this.processor = processor;
		this.batches = settings.batchMode() ? new BatchProcessor(processor) : null;
		this.acks = acks;
		this.leases = leases;
		this.held = leases.register(consumer);
		this.manual = manual;
		this.recovery = recovery;
		this.pendingUpdates = pendingUpdates;
		this.predecessor = predecessor;
		this.onFinished = onFinished;
		this.hold = settings.ordered() ? new OrderHold() : null;
		if (this.hold != null) {
			leases.onTakenAway(consumer, this.hold::takenAway);
		}
		this.outage = new OutageLogger(logger, "consumer '" + consumer + "' of " + settings.describe(),
				RedisErrors::isAccessFailure);
	}

	String consumer() {
		return this.consumer;
	}

	/**
	 * With partitions shared dynamically: asked before each read of new entries, for block-timeout; while it says
	 * no (the partition's lease may expire before the read ends), the consumer reads nothing new. Asked again, for
	 * no time, before each entry of a batch: once it says no (a pause, or Redis unreachable, longer than the lease
	 * renewals allow), the batch stops and the entries not started are handed back, as on a stop.
	 */
	void setReadPermit(Predicate<Duration> readPermit) {
		this.readPermit = readPermit;
	}

	/**
	 * Whether the loop is still running (started and not finished).
	 */
	boolean isAlive() {
		return this.state.get() != ConsumerState.State.FINISHED;
	}

	/**
	 * Whether the loop currently cannot reach Redis.
	 */
	boolean inOutage() {
		return this.outage.inOutage();
	}

	@Override
	public void run() {
		BackOffExecution backOff = null;
		try {
			awaitPredecessor();
			while (this.state.isRunning()) {
				try {
					StreamCommands reader = this.reader;
					if (reader == null) {
						reader = this.connections.openDedicated(this.settings.redis().getBlockTimeout());
						this.reader = reader;
					}
					if (this.state.park()) {
						// reads nothing new while paused; entries already fetched were finished before
						pause(this.settings.redis().getBlockTimeout().toMillis());
						continue;
					}
					if (!this.registered) {
						reader.xgroupCreateconsumer(this.settings.stream(), this.settings.group(), this.consumer);
						this.registered = true;
					}
					expireUnacknowledged();
					if (!roomToRead()) {
						continue;
					}
					Batch batch = nextBatch(reader);
					if (batch.pending() != null) {
						processPending(reader, batch.pending());
					}
					else {
						processNew(batch.entries());
					}
					this.outage.succeeded();
					backOff = null;
				}
				catch (RedisException ex) {
					if (RedisErrors.isNoGroup(ex)) {
						this.registered = false;
						recreateGroup();
						continue;
					}
					if (!this.state.isRunning()) {
						break;
					}
					// the failed command may have been a read whose reply was lost (a timeout, a read cancelled by a
					// failover): its entries are this consumer's, pending; they come before anything newer
					this.inOrderPendingDone = false;
					this.recovery.lookAtOwnPendingAgain();
					if (backOff == null) {
						backOff = backOff().start();
					}
					long waitMillis = backOff.nextBackOff();
					this.outage.failed(ex, Duration.ofMillis(waitMillis));
					pause(waitMillis);
				}
				catch (VirtualMachineError ex) {
					logger.error("Consumer '" + this.consumer + "' of " + this.settings.describe() + " stops: " + ex
							+ "; its unfinished entries stay pending for the other consumers");
					throw ex;
				}
				catch (RuntimeException | Error ex) {
					// not Redis: a bug, or a failure outside the handler; the loop must survive it
					logger.error("Unexpected failure in consumer '" + this.consumer + "' of " + this.settings.describe()
							+ "; continuing in 1 s", ex);
					pause(1000);
				}
			}
		}
		finally {
			try {
				handBackUnacknowledged();
				this.acks.flush();
				// during an outage the replies cannot come: the entries stay pending and are delivered again
				if (!this.outage.inOutage() && !this.acks.awaitFlushed(ACK_FLUSH_TIMEOUT)) {
					logger.warn("Acknowledgements of consumer '" + this.consumer + "' still unconfirmed after "
							+ ACK_FLUSH_TIMEOUT.toSeconds() + " s; their entries may be delivered again");
				}
				closeReader();
			}
			finally {
				// whatever failed above, the loop must be seen as finished: successors and the lease keeper wait on it
				this.state.finished();
				this.onFinished.run();
			}
		}
	}

	/**
	 * With manual acknowledgement, nothing more is read while {@code max-unacknowledged} entries wait for the
	 * application: waits up to {@code block-timeout} for it to settle some.
	 */
	private boolean roomToRead() {
		if (this.manual == null) {
			return true;
		}
		try {
			return this.manual.unacknowledged().awaitRoom(this.settings.redis().getBlockTimeout());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.state.stop();
			return false;
		}
	}

	/**
	 * With manual acknowledgement, a stopping consumer gives the application up to {@code shutdown-timeout} to
	 * settle the entries it holds, then hands the rest back to the group (their deliveries counted), so that
	 * another consumer takes them at once; settling one of them afterwards throws.
	 */
	private void handBackUnacknowledged() {
		if (this.manual == null) {
			return;
		}
		try {
			// the stop's own deadline: the time the container waits for this loop
			this.manual.unacknowledged().awaitNone(this.state.stopTimeLeft(this.settings.redis().getShutdownTimeout()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		List<ManualAcknowledgment> closed = this.manual.unacknowledged()
			.closeAll("its consumer stopped and handed it back to the group");
		if (closed.isEmpty()) {
			return;
		}
		logger.warn(closed.size() + " entries of " + this.settings.describe() + " were still waiting for the "
				+ "application's acknowledgement when consumer '" + this.consumer + "' stopped; they are handed "
				+ "back to the group and delivered again");
		closed.forEach((acknowledgment) -> this.held.remove(acknowledgment.entryId()));
		// each keeps the deliveries it had (Redis's counter of the entries of a new batch was set back to 0)
		Map<Long, List<String>> byCount = new TreeMap<>();
		for (ManualAcknowledgment acknowledgment : closed) {
			byCount.computeIfAbsent(acknowledgment.delivery().deliveryCount(), (count) -> new ArrayList<>())
				.add(acknowledgment.entryId());
		}
		byCount.forEach((count, ids) -> {
			try {
				this.leases.release(this.consumer, ids, count);
			}
			catch (RuntimeException ex) {
				// Redis unreachable: they stay pending and are claimed after claim-idle-time
			}
		});
	}

	/**
	 * With manual acknowledgement, entries the application has not settled within {@code ack-timeout} are
	 * taken back as failed deliveries: a lost handle must not hold an entry, and a place of
	 * {@code max-unacknowledged}, for ever.
	 */
	private void expireUnacknowledged() {
		if (this.manual == null) {
			return;
		}
		Duration timeout = this.settings.redis().getAckTimeout();
		for (ManualAcknowledgment expired : this.manual.unacknowledged()
			.closeOlderThan(timeout, "it was not settled within ack-timeout (" + timeout + ") and the binder took it back")) {
			logger.warn("Entry " + expired.entryId() + " of " + this.settings.describe() + " was not acknowledged by "
					+ "the application within ack-timeout (" + timeout + "); it is delivered again");
			this.held.remove(expired.entryId());
			this.processor.requeued(expired.delivery(), this.consumer, expired.countsReset());
		}
	}

	/**
	 * A loop that ran under the same name may still be in a handler (it outlived its stop timeout): its
	 * entries are this consumer's own pending entries, and reading them now would run them twice at once.
	 */
	private void awaitPredecessor() {
		if (this.predecessor == null || !this.predecessor.isAlive()) {
			return;
		}
		logger.warn("Consumer '" + this.consumer + "' of " + this.settings.describe() + " waits for its previous run, "
				+ "still processing an entry, to finish before it reads");
		try {
			while (this.state.isRunning() && !this.predecessor.awaitFinished(this.settings.redis().getBlockTimeout())) {
				// checks for a stop at every block-timeout
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.state.stop();
		}
	}

	/**
	 * Asks the loop to stop after the current batch; returns at once.
	 */
	void stop() {
		this.state.stop();
	}

	/**
	 * Stops reading after the current batch, until {@link #resume()}.
	 */
	void pauseReading() {
		this.state.pause();
	}

	void resume() {
		this.state.resume();
	}

	/**
	 * Whether the loop has stopped reading because it was paused (a read under way when the pause was
	 * asked for is finished first).
	 */
	boolean isParked() {
		ConsumerState.State current = this.state.get();
		return current == ConsumerState.State.PAUSED || current == ConsumerState.State.FINISHED;
	}

	/**
	 * Hands the entries of the current batch that no handler has started back to the group at once, rather
	 * than leaving them leased while a handler that outlived the stop timeout still runs; the loop then
	 * starts none of them. Only called on a stopping loop.
	 */
	void handBackUnstarted() {
		List<Delivery> rest = this.unstarted.takeForHandBack();
		if (!rest.isEmpty()) {
			List<String> ids = rest.stream().map(Delivery::id).toList();
			ids.forEach(this.held::remove);
			this.leases.release(this.consumer, ids, 0L);
		}
	}

	/**
	 * Waits for the loop to finish.
	 * @param timeout the longest wait
	 * @return true when it finished
	 */
	boolean awaitFinished(Duration timeout) throws InterruptedException {
		return this.state.awaitFinished(timeout);
	}

	/**
	 * Closes the loop's connection, which fails a read that is still blocked (Redis unreachable, the
	 * client keeps the command queued) so that a stopping loop does not wait for the command timeout.
	 * Only called on a stopping loop: it then ends at once.
	 */
	void closeReader() {
		StreamCommands current = this.reader;
		this.reader = null;
		if (current != null) {
			this.connections.close(current);
		}
	}

	/**
	 * The next batch to process, the one place where the reading order is decided: the consumer's own pending
	 * entries first (left by a previous run under its name), then, in turn, entries idle longer than
	 * {@code claim-idle-time} (every {@code claim-interval}, page after page while a scan has more) and new
	 * entries (without blocking while a claim scan has more to take over).
	 */
	private Batch nextBatch(StreamCommands reader) {
		if (this.hold != null) {
			return nextBatchInOrder(reader);
		}
		if (!this.recovery.ownPendingDone()) {
			// acknowledgements sent on another connection must land first, or an entry processed already would
			// look pending and be delivered again
			this.acks.flush();
			if (!this.acks.awaitFlushed(ACK_FLUSH_TIMEOUT)) {
				return Batch.ofNew(List.of());
			}
			return Batch.ofPending(this.recovery.nextOwnPending(reader));
		}
		boolean claimDue = this.claimScanning || System.nanoTime() - this.nextClaimAt >= 0;
		if (claimDue && !this.claimedLast) {
			this.claimedLast = true;
			List<PendingEntry> idle = this.recovery.nextIdle(reader);
			this.claimScanning = !this.recovery.claimScanComplete();
			if (!this.claimScanning) {
				this.nextClaimAt = System.nanoTime() + this.settings.redis().getClaimInterval().toNanos();
			}
			return Batch.ofPending(idle);
		}
		this.claimedLast = false;
		return Batch.ofNew(readNew(reader, !this.claimScanning));
	}

	/**
	 * On a partition: the group's pending entries, oldest first, until none is left (looked at again every
	 * {@code claim-interval}, for entries requeued meanwhile), then new entries.
	 */
	private Batch nextBatchInOrder(StreamCommands reader) {
		if (System.nanoTime() - this.nextClaimAt >= 0) {
			this.inOrderPendingDone = false;
			this.nextClaimAt = System.nanoTime() + this.settings.redis().getClaimInterval().toNanos();
		}
		if (!this.inOrderPendingDone) {
			// the acknowledgements of what was processed go on another connection: they must land first, or an
			// entry processed already would look pending and be delivered again
			this.acks.flush();
			if (!this.acks.awaitFlushed(ACK_FLUSH_TIMEOUT)) {
				return Batch.ofNew(List.of());
			}
			List<PendingEntry> pending = this.recovery.nextInStreamOrder(reader);
			if (!pending.isEmpty()) {
				return Batch.ofPending(pending);
			}
			this.inOrderPendingDone = true;
		}
		if (!this.readPermit.test(this.settings.redis().getBlockTimeout())) {
			// the lease was not renewed lately: a new owner may read this partition soon, this consumer must not
			pause(Math.min(100, this.settings.redis().getBlockTimeout().toMillis()));
			return Batch.ofNew(List.of());
		}
		return Batch.ofNew(readNew(reader, true));
	}

	private List<Delivery> readNew(StreamCommands reader, boolean block) {
		if (!this.state.isRunning()) {
			return List.of();
		}
		int count = this.settings.redis().getReadCount();
		if (this.manual != null) {
			count = Math.min(count, Math.max(1, this.manual.unacknowledged().room()));
		}
		List<StreamEntry> entries = reader.xreadgroup(this.settings.stream(), this.settings.group(), this.consumer,
				GroupOffset.NEW_ENTRIES, count, block ? this.settings.redis().getBlockTimeout() : null);
		if (this.batches != null) {
			// a batch goes to its handler whole: every entry is delivered, none is set back
			entries = gather(reader, entries, block);
		}
		else if (entries.size() > 1) {
			// the first entry goes to its handler now; the others wait and must not count as delivered until
			// their turn. Not awaited: should it be lost, they merely keep a count of 1 they did not use
			this.countsReset = this.pendingUpdates.resetDeliveryCountsAsync(reader, this.consumer,
					entries.subList(1, entries.size()).stream().map(StreamEntry::id).toList());
		}
		List<Delivery> deliveries = new ArrayList<>(entries.size());
		for (StreamEntry entry : entries) {
			deliveries.add(new Delivery(entry, 1));
		}
		return deliveries;
	}

	/**
	 * With batch-mode: a batch smaller than {@code batch-min-count} waits, up to {@code batch-max-wait}, for
	 * more new entries, so that a quiet stream does not make many tiny batches. Each further read blocks for
	 * the time left (at most {@code block-timeout}, the connection's own limit) and asks only for what fills
	 * {@code read-count}.
	 */
	private List<StreamEntry> gather(StreamCommands reader, List<StreamEntry> first, boolean block) {
		int minCount = this.settings.redis().getBatchMinCount();
		Duration maxWait = this.settings.redis().getBatchMaxWait();
		if (first.isEmpty() || first.size() >= minCount || maxWait.isZero() || !block) {
			// a read that did not block (a claim scan is under way) does not wait for more either
			return first;
		}
		List<StreamEntry> all = new ArrayList<>(first);
		int readCount = this.settings.redis().getReadCount();
		long blockMillis = this.settings.redis().getBlockTimeout().toMillis();
		long deadline = System.nanoTime() + maxWait.toNanos();
		try {
			while (all.size() < minCount && this.state.get() == ConsumerState.State.READING) {
				long left = (deadline - System.nanoTime()) / 1_000_000;
				if (left <= 0) {
					break;
				}
				Duration wait = Duration.ofMillis(Math.min(left, blockMillis));
				if (!this.readPermit.test(wait)) {
					// on a partition whose lease was not renewed lately: no more reading, a new owner may come soon
					break;
				}
				all.addAll(reader.xreadgroup(this.settings.stream(), this.settings.group(), this.consumer,
						GroupOffset.NEW_ENTRIES, readCount - all.size(), wait));
			}
		}
		catch (RedisException ex) {
			// what was read goes to the handler now (its acknowledgement fails alike if Redis is gone, and it is
			// delivered again); the next read reports the failure
			if (logger.isDebugEnabled()) {
				logger.debug("Gathering a batch for " + this.settings.describe() + " stopped early: " + ex);
			}
		}
		return all;
	}

	private void processNew(List<Delivery> batch) {
		if (batch.isEmpty()) {
			return;
		}
		List<Delivery> unprocessed = (this.batches != null)
				? this.batches.process(batch, this.consumer, this.acks, this.held, this::stopsBatch, this.unstarted)
				: this.processor.processNew(batch, this.consumer, this.acks, this.held, this::stopsBatch,
						this.unstarted, this.countsReset, this.manual, this.hold);
		this.lastSeenId = batch.get(batch.size() - 1).id();
		if (!unprocessed.isEmpty()) {
			// stopping: the rest of the batch goes back to the group rather than waiting claim-idle-time. One at a
			// time, no handler got it: no delivery counted. In a batch, the handler had it: its count stays
			this.leases.release(this.consumer, unprocessed.stream().map(Delivery::id).toList(),
					(this.batches != null) ? null : 0L);
		}
		holdAfterFailure();
	}

	/**
	 * Whether the current batch stops before its next entry: the consumer is stopping, or, on a partition, an
	 * entry of the batch failed and must be delivered again before those behind it, another consumer took one of
	 * its entries, or the partition's lease is no longer surely valid (a new owner may read the entries behind).
	 */
	private boolean stopsBatch() {
		if (!this.state.isRunning()) {
			return true;
		}
		if (this.hold == null) {
			return false;
		}
		if (this.hold.isSet() || this.hold.isTakenAway()) {
			return true;
		}
		if (!this.readPermit.test(Duration.ZERO)) {
			this.leaseLapsed = true;
			return true;
		}
		return false;
	}

	/**
	 * Whether the batch was stopped with entries left that must go back to the group at once: the consumer is
	 * stopping, or, on a partition, it may have lost the partition to another owner.
	 */
	private boolean handsBackRest() {
		return !this.state.isRunning() || this.leaseLapsed || (this.hold != null && this.hold.isTakenAway());
	}

	/**
	 * On a partition, after a failed delivery (or an entry that another consumer still holds): waits, then looks
	 * at the pending entries again, so that the failed entry comes back before anything behind it. The entries
	 * of the batch behind it stay this consumer's, pending.
	 */
	private void holdAfterFailure() {
		if (this.hold == null) {
			return;
		}
		boolean failed = this.hold.isSet();
		boolean lapsed = this.leaseLapsed || this.hold.isTakenAway();
		if (!failed && !this.waitedForEntry && !lapsed) {
			return;
		}
		if (lapsed && logger.isDebugEnabled()) {
			logger.debug("Consumer '" + this.consumer + "' of " + this.settings.describe() + " stopped its batch: its "
					+ "partition's lease is no longer surely valid, or another consumer took one of its entries");
		}
		if (failed && logger.isDebugEnabled()) {
			logger.debug("Entry " + this.hold.failedId() + " of " + this.settings.describe() + " failed; consumer '"
					+ this.consumer + "' delivers it again after claim-idle-time, before the entries behind it");
		}
		this.hold.clear();
		this.waitedForEntry = false;
		this.leaseLapsed = false;
		this.inOrderPendingDone = false;
		pause(failed ? this.settings.redis().getClaimIdleTime().toMillis()
				: Math.min(this.settings.redis().getBlockTimeout().toMillis(), 1000));
	}

	private void processPending(StreamCommands reader, List<PendingEntry> batch) {
		if (batch.isEmpty()) {
			return;
		}
		if (this.hold != null) {
			processPendingInOrder(reader, batch);
			return;
		}
		List<PendingEntry> untaken = this.processor.processPending(batch, this.consumer, this.acks, this.held,
				() -> !this.state.isRunning(), (entry) -> this.recovery.take(reader, entry), this.manual, null);
		// stopping: own entries not taken go back to the group at once (their counters untouched); others
		// were never taken from their owners
		List<String> own = untaken.stream().filter(PendingEntry::own).map(PendingEntry::id).toList();
		this.leases.release(this.consumer, own, null);
	}

	/**
	 * On a partition: takes the pending entries in stream order, stopping at one that fails or that another
	 * consumer still holds (its owner alive, or not yet known to be gone), which is then waited for. A look that
	 * settles nothing and waits for nothing (all in hand here, with manual acknowledgement) ends the pending phase.
	 */
	private void processPendingInOrder(StreamCommands reader, List<PendingEntry> batch) {
		// entries taken, or found gone (acknowledged, trimmed): the next look sees the ones behind them
		int[] settled = { 0 };
		List<PendingEntry> untaken = this.processor.processPending(batch, this.consumer, this.acks, this.held,
				() -> this.waitedForEntry || stopsBatch(), (entry) -> {
					Delivery delivery = this.recovery.takeInOrder(reader, entry, this.settings.takeoverIdleTime());
					if (delivery == null && this.recovery.lastTakeBusy()) {
						this.waitedForEntry = true;
					}
					else {
						settled[0]++;
					}
					return delivery;
				}, this.manual, this.hold);
		if (handsBackRest()) {
			this.leases.release(this.consumer,
					untaken.stream().filter(PendingEntry::own).map(PendingEntry::id).toList(), null);
			if (!this.state.isRunning()) {
				return;
			}
		}
		if (settled[0] == 0 && !this.waitedForEntry && !this.hold.isSet() && !this.hold.isTakenAway()
				&& !this.leaseLapsed) {
			this.inOrderPendingDone = true;
		}
		holdAfterFailure();
	}

	private void recreateGroup() {
		try {
			GroupRecreation.recreate(this.provisioner, this.settings, this.lastSeenId, this.startedAt);
		}
		catch (RuntimeException ex) {
			pause(1000);
		}
	}

	private void pause(long millis) {
		try {
			this.state.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.state.stop();
		}
	}

	private static ExponentialBackOff backOff() {
		ExponentialBackOff backOff = new ExponentialBackOff(100, 2.0);
		backOff.setMaxInterval(5000);
		return backOff;
	}

	/**
	 * A batch to process: new entries, already delivered to this consumer, or pending entries found, to be
	 * taken one at a time.
	 */
	private record Batch(List<Delivery> entries, List<PendingEntry> pending) {

		static Batch ofNew(List<Delivery> entries) {
			return new Batch(entries, null);
		}

		static Batch ofPending(List<PendingEntry> pending) {
			return new Batch(null, pending);
		}

	}

}
