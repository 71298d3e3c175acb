package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.RedisException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.integration.IntegrationMessageHeaderAccessor;
import org.springframework.integration.acks.AcknowledgmentCallback.Status;
import org.springframework.integration.core.Pausable;
import org.springframework.integration.endpoint.AbstractMessageSource;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

import io.github.redisstreams.binder.connection.GroupOffset;
import io.github.redisstreams.binder.connection.RedisErrors;
import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.idempotency.IdempotencyGuard;
import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.provisioning.RedisStreamProvisioner;
import io.github.redisstreams.binder.recovery.ConsumerJanitor;
import io.github.redisstreams.binder.recovery.DeliveryFailureHandler;
import io.github.redisstreams.binder.recovery.DeliveryLimitExceededException;
import io.github.redisstreams.binder.recovery.LeaseKeeper;
import io.github.redisstreams.binder.recovery.PendingEntryRecovery;
import io.github.redisstreams.binder.recovery.PendingEntryRecovery.PendingEntry;
import io.github.redisstreams.binder.recovery.PendingEntryUpdates;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.EntryRejectedException;
import io.github.redisstreams.binder.support.HandlerWrites;
import io.github.redisstreams.binder.support.MalformedEntryException;
import io.github.redisstreams.binder.support.OutageLogger;
import io.github.redisstreams.binder.support.StreamEntry;

/**
 * The message source of a pollable consumer binding ({@code PollableMessageSource}): each poll receives one
 * message, read as one consumer of the group on the binder's shared connection, never blocking.
 * <p>
 * What a poll delivers, in order: entries already fetched; after a start, the consumer's own pending entries
 * (left by a previous run under its name); every {@code claim-interval}, entries idle longer than
 * {@code claim-idle-time} (a dead consumer's, or failed ones), each taken right before it is delivered
 * ({@link PendingEntryRecovery}); otherwise new entries, {@code read-count} at a time with one
 * {@code XREADGROUP ... >} without {@code BLOCK}, kept for the following polls. Entries fetched and not settled
 * are leased ({@link LeaseKeeper}), so they never look abandoned; each new entry counts as delivered only when a
 * poll hands it out. An entry that cannot be decoded, or that was delivered more than {@code max-deliveries}
 * times, is dead-lettered and the poll goes on with the next; a duplicate of a processed key is acknowledged and
 * skipped.
 * <p>
 * Each message carries an {@link EntryAcknowledgment} that settles its entry (see there); a failure of the
 * handler reported by the binding's error handling is settled as for a message-driven binding: left pending and
 * delivered again after {@code claim-idle-time}, dead-lettered after {@code max-deliveries} or at once when
 * retrying cannot help.
 * <p>
 * When Redis is unavailable a poll returns nothing (logged once per outage) and the next attempts back off; a
 * group that vanished is created again. Stopping hands the fetched entries that no poll took back to the group at
 * once, waits up to {@code shutdown-timeout} for the messages in hand to be acknowledged, and hands back those
 * that were not (their callbacks then refuse to be used).
 */
public class RedisStreamMessageSource extends AbstractMessageSource<byte[]> implements Pausable, ConsumerBindingView {

	private static final Log logger = LogFactory.getLog(RedisStreamMessageSource.class);

	private static final Duration ACK_FLUSH_TIMEOUT = Duration.ofSeconds(10);

	/** Longest wait for acknowledgements in flight, whose markers a duplicate check must see. */
	private static final Duration MARKER_WAIT = Duration.ofSeconds(5);

	private final ConsumerSettings settings;

	private final String consumer;

	private final RedisStreamConnections connections;

	private final RedisStreamProvisioner provisioner;

	private final EntryCodec codec;

	private final DeliveryFailureHandler failures;

	private final IdempotencyGuard idempotency;

	private final TaskScheduler scheduler;

	private final ConsumerMetrics metrics;

	private final PendingEntryUpdates pendingUpdates;

	private final LeaseKeeper leases;

	/** The lease set: entries fetched or in hand, not settled. */
	private final Set<String> held;

	/** Guarded by itself: acknowledgements may come from any thread. */
	private final AckBatcher acks;

	private final OutageLogger outage;

	/** Guards the reading state below: polls, starts, stops and pauses. */
	private final Object lock = new Object();

	/** Serialises starts and stops: a second stop returns only once the first has handed everything back. */
	private final Object lifecycle = new Object();

	/** Entries fetched for this consumer and not handed out yet, in order. */
	private final Deque<Delivery> ready = new ArrayDeque<>();

	/** Pending entries found, to be taken one at a time. */
	private final Deque<PendingEntry> found = new ArrayDeque<>();

	private PendingEntryRecovery recovery;

	private boolean registered;

	private long nextClaimAt;

	private boolean claimScanning;

	/** Whether the last fetch was a claim: claims and new entries take turns. */
	private boolean claimedLast;

	private String lastSeenId;

	private long startedAt = System.currentTimeMillis();

	private BackOffExecution backOff;

	private long retryAt;

	private ConsumerJanitor janitor;

	private volatile boolean running;

	private volatile boolean paused;

	/** Set when an entry was requeued: the next poll looks for it among the idle entries. */
	private volatile boolean claimNow;

	/** Messages handed out and not settled. */
	private final Set<EntryAcknowledgment> inHand = ConcurrentHashMap.newKeySet();

	/** The last message received on each polling thread, whose handler's writes are being recorded. */
	private final ThreadLocal<EntryAcknowledgment> lastReceived = new ThreadLocal<>();

	private final AtomicBoolean keyFailureReported = new AtomicBoolean();

	private RedisStreamBindingRegistry bindingRegistry;

	/**
	 * @param settings the binding; its single consumer name is the one this source reads as
	 * @param idempotency the duplicate check, or null when the binding has none
	 * @param scheduler runs the lease renewals and the consumer clean-up
	 * @param pendingUpdates changes the binding's pending entries (leases, hand-backs)
	 */
	public RedisStreamMessageSource(ConsumerSettings settings, RedisStreamConnections connections,
			RedisStreamProvisioner provisioner, EntryCodec codec, DeliveryFailureHandler failures,
			IdempotencyGuard idempotency, TaskScheduler scheduler, ConsumerMetrics metrics,
			PendingEntryUpdates pendingUpdates) {
		this.settings = settings;
		this.consumer = settings.consumerNames().get(0);
		this.connections = connections;
		this.provisioner = provisioner;
		this.codec = codec;
		this.failures = failures;
		this.idempotency = idempotency;
		this.scheduler = scheduler;
		this.metrics = metrics;
		this.pendingUpdates = pendingUpdates;
		this.leases = new LeaseKeeper(pendingUpdates, settings.redis().getClaimIdleTime());
		this.held = this.leases.register(this.consumer);
		this.acks = new AckBatcher(connections.shared(), settings.stream(), settings.group(), this.consumer,
				(idempotency != null) ? idempotency.ttl() : null, metrics, this.held, this::writesFailed);
		this.outage = new OutageLogger(logger, "pollable consumer '" + this.consumer + "' of " + settings.describe(),
				RedisErrors::isAccessFailure);
	}

	/**
	 * Where the binding registers itself while it runs.
	 * @param bindingRegistry the registry, or null
	 */
	public void setBindingRegistry(RedisStreamBindingRegistry bindingRegistry) {
		this.bindingRegistry = bindingRegistry;
	}

	public ConsumerSettings getSettings() {
		return this.settings;
	}

	@Override
	public String getComponentType() {
		return "redis:stream-message-source";
	}

	// --- lifecycle ----------------------------------------------------------------------------------

	@Override
	public void start() {
		synchronized (this.lifecycle) {
			doStart();
		}
	}

	private void doStart() {
		synchronized (this.lock) {
			if (this.running) {
				return;
			}
			this.recovery = new PendingEntryRecovery(this.consumer, this.settings.redis().getClaimIdleTime(),
					this.settings.redis().getClaimBatchSize(), this.metrics, this.pendingUpdates);
			this.registered = false;
			this.nextClaimAt = System.nanoTime();
			this.claimScanning = false;
			this.claimedLast = false;
			this.backOff = null;
			this.startedAt = System.currentTimeMillis();
			this.running = true;
		}
		this.leases.start(this.scheduler);
		this.janitor = new ConsumerJanitor(this.connections.shared(), this.settings.stream(), this.settings.group(),
				Set.of(this.consumer), this.settings.redis().getConsumerExpiry());
		this.janitor.start(this.scheduler);
		if (this.bindingRegistry != null) {
			this.bindingRegistry.register(this);
		}
		if (logger.isInfoEnabled()) {
			logger.info("Started pollable consumer '" + this.consumer + "' for " + this.settings.describe());
		}
	}

	/**
	 * Stops receiving: the fetched entries no poll took are handed back at once; the messages in hand are given
	 * {@code shutdown-timeout} to be acknowledged, and those that were not are handed back too, with their
	 * delivery counted.
	 */
	@Override
	public void stop() {
		synchronized (this.lifecycle) {
			doStop();
		}
	}

	private void doStop() {
		List<Delivery> unpolled;
		List<String> ownUntaken;
		synchronized (this.lock) {
			if (!this.running) {
				return;
			}
			this.running = false;
			unpolled = drainReady();
			ownUntaken = drainFound();
		}
		if (this.bindingRegistry != null) {
			this.bindingRegistry.unregister(this);
		}
		if (this.janitor != null) {
			this.janitor.stop();
		}
		handBackQuietly(unpolled, ownUntaken);
		Duration timeout = this.settings.redis().getShutdownTimeout();
		if (!awaitInHand(timeout)) {
			handBackInHand(timeout);
		}
		synchronized (this.acks) {
			this.acks.flush();
		}
		// during an outage the replies cannot come: the entries stay pending and are delivered again
		if (!this.outage.inOutage() && !this.acks.awaitFlushed(ACK_FLUSH_TIMEOUT)) {
			logger.warn("Acknowledgements of pollable consumer '" + this.consumer + "' still unconfirmed after "
					+ ACK_FLUSH_TIMEOUT.toSeconds() + " s; their entries may be delivered again");
		}
		this.leases.stop();
		if (logger.isInfoEnabled()) {
			logger.info("Stopped pollable consumer '" + this.consumer + "' of " + this.settings.describe());
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Polls return nothing until {@link #resume()}; the entries fetched and not handed out are handed back to
	 * the group at once, so that none waits on a paused instance. Messages in hand can still be acknowledged.
	 */
	@Override
	public void pause() {
		List<Delivery> unpolled;
		List<String> ownUntaken;
		synchronized (this.lock) {
			this.paused = true;
			unpolled = drainReady();
			ownUntaken = drainFound();
		}
		handBackQuietly(unpolled, ownUntaken);
	}

	@Override
	public void resume() {
		this.paused = false;
	}

	@Override
	public boolean isPaused() {
		return this.paused;
	}

	// --- ConsumerBindingView ------------------------------------------------------------------------

	@Override
	public String bindingName() {
		return this.settings.bindingName();
	}

	@Override
	public String stream() {
		return this.settings.stream();
	}

	@Override
	public String group() {
		return this.settings.group();
	}

	@Override
	public boolean anonymous() {
		return this.settings.anonymous();
	}

	@Override
	public List<String> consumerNames() {
		return List.of(this.consumer);
	}

	@Override
	public String deadLetterStream() {
		return this.settings.deadLetterStream();
	}

	/**
	 * A pollable binding reads when the application polls: its one consumer counts as live while it runs.
	 */
	@Override
	public int liveConsumers() {
		return this.running ? 1 : 0;
	}

	@Override
	public int consumersInOutage() {
		return this.outage.inOutage() ? 1 : 0;
	}

	String describe() {
		return this.settings.describe();
	}

	// --- receiving ----------------------------------------------------------------------------------

	@Override
	protected Object doReceive() {
		settleAbandoned();
		synchronized (this.lock) {
			if (!this.running || this.paused) {
				return null;
			}
			if (this.backOff != null && System.nanoTime() - this.retryAt < 0) {
				// backing off during an outage: no Redis call on every poll
				return null;
			}
			try {
				Message<byte[]> message = nextMessage(this.connections.shared());
				this.outage.succeeded();
				this.backOff = null;
				return message;
			}
			catch (RedisException ex) {
				if (RedisErrors.isNoGroup(ex)) {
					recreateGroup();
				}
				else {
					redisFailed(ex);
				}
				return null;
			}
		}
	}

	/**
	 * The message acknowledged automatically that the previous poll on this thread handed out and nobody settled:
	 * the poll failed before its handler (a payload that could not be converted to the type asked for). Without
	 * this, its entry would stay leased, never delivered again, until the source stops.
	 */
	private void settleAbandoned() {
		EntryAcknowledgment previous = this.lastReceived.get();
		if (previous != null && previous.state() == EntryAcknowledgment.State.IN_HAND && previous.isAutoAck()) {
			IllegalStateException cause = new IllegalStateException("Entry " + previous.delivery().id()
					+ " was handed to a poll that settled it neither by its handler nor by an acknowledgement "
					+ "(did the conversion of its payload fail?)");
			logger.warn(cause.getMessage() + "; counted as a failed delivery of " + describe());
			previous.abandoned(cause);
		}
	}

	private Message<byte[]> nextMessage(StreamCommands commands) {
		if (!this.registered) {
			commands.xgroupCreateconsumer(this.settings.stream(), this.settings.group(), this.consumer);
			this.registered = true;
		}
		while (true) {
			Delivery delivery = this.ready.peekFirst();
			if (delivery == null) {
				if (!fetch(commands)) {
					return null;
				}
				continue;
			}
			// a Redis failure leaves the entry first in line (and leased) for the next poll
			Message<byte[]> message = prepare(commands, delivery);
			this.ready.pollFirst();
			if (message != null) {
				return message;
			}
		}
	}

	/**
	 * Fetches the next entry into {@link #ready}: the one place where the reading order is decided, as in the
	 * consumer loop of a message-driven binding.
	 * @return false when there is nothing to deliver now
	 */
	private boolean fetch(StreamCommands commands) {
		while (true) {
			PendingEntry pending = this.found.peekFirst();
			if (pending != null) {
				if (this.held.contains(pending.id())) {
					// this consumer holds it already (its lease renewal lagged behind)
					this.found.pollFirst();
					continue;
				}
				Delivery taken = this.recovery.take(commands, pending);
				this.found.pollFirst();
				if (taken != null) {
					this.metrics.received(1);
					this.held.add(taken.id());
					this.ready.addLast(taken);
					return true;
				}
				continue;
			}
			if (!this.recovery.ownPendingDone()) {
				this.found.addAll(this.recovery.nextOwnPending(commands));
				continue;
			}
			boolean claimDue = this.claimScanning || System.nanoTime() - this.nextClaimAt >= 0;
			if (this.claimNow || (claimDue && !this.claimedLast)) {
				this.claimNow = false;
				this.claimedLast = true;
				this.found.addAll(this.recovery.nextIdle(commands));
				this.claimScanning = !this.recovery.claimScanComplete();
				if (!this.claimScanning) {
					this.nextClaimAt = System.nanoTime() + this.settings.redis().getClaimInterval().toNanos();
				}
				if (!this.found.isEmpty()) {
					continue;
				}
			}
			this.claimedLast = false;
			return readNew(commands);
		}
	}

	private boolean readNew(StreamCommands commands) {
		List<StreamEntry> entries = commands.xreadgroup(this.settings.stream(), this.settings.group(), this.consumer,
				GroupOffset.NEW_ENTRIES, this.settings.redis().getReadCount(), null);
		if (entries.isEmpty()) {
			return false;
		}
		if (entries.size() > 1) {
			// the first entry goes to a poll now; the others wait for theirs and must not count as delivered
			// before. On the shared connection, ahead of anything later done to them
			this.pendingUpdates.resetDeliveryCountsAsync(commands, this.consumer,
					entries.subList(1, entries.size()).stream().map(StreamEntry::id).toList());
		}
		this.metrics.received(entries.size());
		for (StreamEntry entry : entries) {
			this.held.add(entry.id());
			this.ready.addLast(new Delivery(entry, 1));
		}
		this.lastSeenId = entries.get(entries.size() - 1).id();
		return true;
	}

	/**
	 * The message of an entry, or null when the entry was settled instead (dead-lettered, skipped as a
	 * duplicate).
	 */
	private Message<byte[]> prepare(StreamCommands commands, Delivery delivery) {
		Message<byte[]> decoded;
		try {
			decoded = this.codec.decode(delivery.entry(), this.settings.stream(), this.settings.group(), this.consumer,
					delivery.deliveryCount());
		}
		catch (MalformedEntryException ex) {
			giveUp(delivery, ex, "it cannot be read as a message");
			return null;
		}
		catch (RuntimeException ex) {
			// fails the same way every time: dead-lettered rather than delivered again for ever
			giveUp(delivery, new MalformedEntryException("Entry " + delivery.id() + " could not be decoded: " + ex, ex),
					"it cannot be read as a message");
			return null;
		}
		int maxDeliveries = this.settings.redis().getMaxDeliveries();
		if (delivery.deliveryCount() > maxDeliveries) {
			giveUp(delivery, new DeliveryLimitExceededException(delivery.id(), delivery.deliveryCount(), maxDeliveries),
					"it exceeded max-deliveries");
			return null;
		}
		String markerKey = markerKey(decoded, delivery);
		if (markerKey != null && alreadyProcessed(commands, markerKey)) {
			synchronized (this.acks) {
				this.acks.add(delivery, null, List.of());
				this.acks.flush();
			}
			this.metrics.duplicateSkipped();
			if (logger.isDebugEnabled()) {
				logger.debug("Skipped entry " + delivery.id() + " of " + describe() + ": key " + markerKey
						+ " was already processed");
			}
			return null;
		}
		EntryAcknowledgment acknowledgment = new EntryAcknowledgment(this, delivery, markerKey);
		this.inHand.add(acknowledgment);
		this.lastReceived.set(acknowledgment);
		// the writes the handler makes on this thread, confirmed before the entry is acknowledged
		HandlerWrites.begin();
		return MessageBuilder.fromMessage(decoded)
			.setHeader(IntegrationMessageHeaderAccessor.ACKNOWLEDGMENT_CALLBACK, acknowledgment)
			.build();
	}

	private void giveUp(Delivery delivery, Throwable cause, String reason) {
		// a Redis failure propagates: the entry stays first in line, still leased, for the next poll
		this.failures.giveUp(delivery, this.consumer, cause, reason);
		this.held.remove(delivery.id());
	}

	private String markerKey(Message<byte[]> message, Delivery delivery) {
		if (this.idempotency == null) {
			return null;
		}
		try {
			return this.idempotency.markerKey(message);
		}
		catch (RuntimeException ex) {
			String text = "The idempotency key expression failed on entry " + delivery.id() + " of " + describe()
					+ "; it is processed without a duplicate check: " + ex.getMessage();
			if (this.keyFailureReported.compareAndSet(false, true)) {
				logger.warn(text + " (further failures of the expression are logged at DEBUG)");
			}
			else if (logger.isDebugEnabled()) {
				logger.debug(text);
			}
			return null;
		}
	}

	private boolean alreadyProcessed(StreamCommands commands, String markerKey) {
		// the marker of a message acknowledged just before is written by that acknowledgement: let it land first
		this.acks.awaitFlushed(MARKER_WAIT);
		return !this.idempotency.processed(commands, List.of(markerKey)).isEmpty();
	}

	private void recreateGroup() {
		try {
			GroupRecreation.recreate(this.provisioner, this.settings, this.lastSeenId, this.startedAt);
		}
		catch (RuntimeException ex) {
			redisFailed(ex);
			return;
		}
		// what was fetched belonged to the vanished group: the new group delivers it again
		for (Delivery delivery : this.ready) {
			this.held.remove(delivery.id());
		}
		this.ready.clear();
		this.found.clear();
		this.registered = false;
		this.recovery = new PendingEntryRecovery(this.consumer, this.settings.redis().getClaimIdleTime(),
				this.settings.redis().getClaimBatchSize(), this.metrics, this.pendingUpdates);
	}

	private void redisFailed(RuntimeException ex) {
		if (this.backOff == null) {
			this.backOff = backOffPolicy().start();
		}
		long waitMillis = this.backOff.nextBackOff();
		this.retryAt = System.nanoTime() + waitMillis * 1_000_000;
		this.outage.failed(ex, Duration.ofMillis(waitMillis));
	}

	private static ExponentialBackOff backOffPolicy() {
		ExponentialBackOff backOff = new ExponentialBackOff(100, 2.0);
		backOff.setMaxInterval(5000);
		return backOff;
	}

	// --- settling, from the acknowledgement callbacks -----------------------------------------------

	/**
	 * Settles a message as its acknowledgement says; called once per message, on the acknowledging thread.
	 * A Redis failure is logged, not thrown: the entry stays pending and is delivered again later.
	 */
	void settle(EntryAcknowledgment acknowledgment, Status status) {
		Delivery delivery = acknowledgment.delivery();
		List<CompletableFuture<?>> writes = recordedWrites(acknowledgment);
		this.metrics.handlerDuration(System.nanoTime() - acknowledgment.deliveredAt());
		switch (status) {
			case ACCEPT -> {
				synchronized (this.acks) {
					this.acks.add(delivery, acknowledgment.markerKey(), writes);
					this.acks.flush();
				}
			}
			case REJECT -> {
				this.metrics.failed();
				Throwable failure = acknowledgment.failure();
				giveUpQuietly(delivery, (failure != null) ? failure : new EntryRejectedException(delivery.id()),
						(failure != null) ? "its handler failed and it was rejected" : "the application rejected it");
			}
			case REQUEUE -> {
				this.metrics.failed();
				requeue(delivery);
			}
		}
	}

	/**
	 * Settles a message whose handler failed as a failed delivery, as a message-driven binding does.
	 */
	void settleFailed(EntryAcknowledgment acknowledgment, Throwable cause) {
		Delivery delivery = acknowledgment.delivery();
		recordedWrites(acknowledgment);
		this.metrics.handlerDuration(System.nanoTime() - acknowledgment.deliveredAt());
		this.metrics.failed();
		handlerFailed(delivery, cause);
	}

	/**
	 * Called when a message is settled, however.
	 */
	void settled(EntryAcknowledgment acknowledgment) {
		this.inHand.remove(acknowledgment);
		synchronized (this.inHand) {
			this.inHand.notifyAll();
		}
	}

	/**
	 * The writes the handler made, when the message is settled on the thread that received it; recording stops.
	 */
	private List<CompletableFuture<?>> recordedWrites(EntryAcknowledgment acknowledgment) {
		if (this.lastReceived.get() != acknowledgment) {
			return List.of();
		}
		this.lastReceived.remove();
		return HandlerWrites.end();
	}

	private void requeue(Delivery delivery) {
		// released: its lease must not be renewed any more
		this.held.remove(delivery.id());
		try {
			// this delivery counts; the next claim of any consumer of the group, this one's next poll included,
			// takes it at once
			this.pendingUpdates.handBack(this.consumer, List.of(delivery.id()), delivery.deliveryCount());
			this.claimNow = true;
			if (logger.isInfoEnabled()) {
				logger.info("Entry " + delivery.id() + " of " + describe() + " was requeued on delivery "
						+ delivery.deliveryCount() + " of " + this.settings.redis().getMaxDeliveries()
						+ "; it is delivered again at once");
			}
		}
		catch (RedisException ex) {
			logger.warn("Could not requeue entry " + delivery.id() + " of " + describe() + "; it stays pending and is "
					+ "delivered again after claim-idle-time: " + ex);
		}
	}

	private void handlerFailed(Delivery delivery, Throwable cause) {
		// released: a failed entry must age, so that it is claimed and delivered again
		this.held.remove(delivery.id());
		try {
			this.failures.handlerFailed(delivery, this.consumer, cause);
		}
		catch (RedisException ex) {
			logger.warn("Could not settle failed entry " + delivery.id() + " of " + describe()
					+ "; it stays pending and is delivered again later: " + ex);
		}
	}

	private void giveUpQuietly(Delivery delivery, Throwable cause, String reason) {
		this.held.remove(delivery.id());
		try {
			this.failures.giveUp(delivery, this.consumer, cause, reason);
		}
		catch (RedisException ex) {
			logger.warn("Could not dead-letter entry " + delivery.id() + " of " + describe()
					+ "; it stays pending and is delivered again after claim-idle-time: " + ex);
		}
	}

	/**
	 * A processed entry whose handler's writes Redis refused: a failed delivery, not acknowledged.
	 */
	private void writesFailed(Delivery delivery, Throwable cause) {
		this.metrics.failed();
		logger.warn("Entry " + delivery.id() + " of " + describe() + " was processed, but a write its handler made "
				+ "was not stored, so it is not acknowledged: " + cause);
		handlerFailed(delivery, cause);
	}

	// --- stopping -----------------------------------------------------------------------------------

	private List<Delivery> drainReady() {
		List<Delivery> drained = new ArrayList<>(this.ready);
		this.ready.clear();
		return drained;
	}

	/**
	 * Own pending entries found and not taken: handed back with their counters untouched, so that any consumer
	 * takes them at once. Idle entries found were never taken from their owners.
	 */
	private List<String> drainFound() {
		List<String> own = this.found.stream().filter(PendingEntry::own).map(PendingEntry::id).toList();
		this.found.clear();
		return own;
	}

	private void handBackQuietly(List<Delivery> unpolled, List<String> ownUntaken) {
		try {
			// no poll had them: their delivery counters go back to what they were before they were fetched
			Map<Long, List<String>> byCount = new LinkedHashMap<>();
			for (Delivery delivery : unpolled) {
				byCount.computeIfAbsent(delivery.deliveryCount() - 1, (count) -> new ArrayList<>()).add(delivery.id());
			}
			for (Map.Entry<Long, List<String>> group : byCount.entrySet()) {
				group.getValue().forEach(this.held::remove);
				this.leases.release(this.consumer, group.getValue(), group.getKey());
			}
			this.leases.release(this.consumer, ownUntaken, null);
		}
		catch (RedisException ex) {
			unpolled.forEach((delivery) -> this.held.remove(delivery.id()));
			logger.warn("Could not hand the unpolled entries of pollable consumer '" + this.consumer + "' of "
					+ describe() + " back; they are delivered again after claim-idle-time: " + ex);
		}
	}

	private boolean awaitInHand(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.inHand) {
			while (!this.inHand.isEmpty()) {
				long left = (deadline - System.nanoTime()) / 1_000_000;
				if (left <= 0) {
					return false;
				}
				try {
					this.inHand.wait(Math.min(left, 100));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return false;
				}
			}
			return true;
		}
	}

	/**
	 * Hands back the messages still in hand after {@code shutdown-timeout}, with their delivery counted; their
	 * callbacks refuse to be used from now on.
	 */
	private void handBackInHand(Duration timeout) {
		Map<Long, List<String>> byCount = new LinkedHashMap<>();
		for (EntryAcknowledgment acknowledgment : List.copyOf(this.inHand)) {
			if (acknowledgment.handBack()) {
				Delivery delivery = acknowledgment.delivery();
				this.held.remove(delivery.id());
				byCount.computeIfAbsent(delivery.deliveryCount(), (count) -> new ArrayList<>()).add(delivery.id());
				settled(acknowledgment);
			}
		}
		if (byCount.isEmpty()) {
			return;
		}
		List<String> ids = byCount.values().stream().flatMap(List::stream).toList();
		logger.warn("Pollable consumer '" + this.consumer + "' of " + describe() + " stops with " + ids.size()
				+ " message(s) not acknowledged after shutdown-timeout " + timeout + "; their entries are handed back "
				+ "to the group and delivered again, and acknowledging them now fails: " + ids);
		try {
			for (Map.Entry<Long, List<String>> group : byCount.entrySet()) {
				this.pendingUpdates.handBack(this.consumer, group.getValue(), group.getKey());
			}
		}
		catch (RedisException ex) {
			logger.warn("Could not hand entries " + ids + " back; they are delivered again after claim-idle-time: "
					+ ex);
		}
	}

}
