package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.MessageBuilder;

import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.idempotency.IdempotencyGuard;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.recovery.DeliveryFailureHandler;
import io.github.redisstreams.binder.recovery.DeliveryLimitExceededException;
import io.github.redisstreams.binder.recovery.PendingEntryRecovery.PendingEntry;
import io.github.redisstreams.binder.support.BatchEntryFailedException;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.HandlerWrites;
import io.github.redisstreams.binder.support.InvalidStepException;
import io.github.redisstreams.binder.support.MalformedEntryException;
import io.github.redisstreams.binder.support.RedisStreamHeaders;
import io.github.redisstreams.binder.support.RedisStreamTransaction;
import io.github.redisstreams.binder.support.RedisStreamTransaction.StagedCommand;

/**
 * Processes batches of delivered entries for the consumers of one binding: each entry is decoded,
 * checked against {@code max-deliveries} and the idempotency markers, handed to the handler with the
 * in-process retries of the binding, and then settled: acknowledged after success, otherwise left
 * pending or given up (see {@link DeliveryFailureHandler}). Thread-safe; each consumer loop passes its
 * own acknowledgement batcher and lease set.
 */
final class EntryProcessor {

	private static final Log logger = LogFactory.getLog(EntryProcessor.class);

	/**
	 * Longest wait for an acknowledgement (and its markers): before checking the markers of the next batch,
	 * and before taking the next pending entry.
	 */
	private static final Duration MARKER_WAIT = Duration.ofSeconds(5);

	private final ConsumerSettings settings;

	private final EntryCodec codec;

	private final RetryTemplate retryTemplate;

	private final DeliveryTarget target;

	private final DeliveryFailureHandler failures;

	private final IdempotencyGuard idempotency;

	private final StreamCommands commands;

	private final ConsumerMetrics metrics;

	private final AtomicBoolean keyFailureReported = new AtomicBoolean();

	/** batch-mode: the handler takes lists, so an entry delivered on its own goes as a list of one. */
	private final boolean batchMode;

	/** transactional: the handler's writes are staged and applied with the acknowledgement, atomically. */
	private final boolean transactional;

	/** Redis Cluster: the keys of a transactional step must share the stream's slot. */
	private final boolean cluster;

	EntryProcessor(ConsumerSettings settings, EntryCodec codec, RetryTemplate retryTemplate, DeliveryTarget target,
			DeliveryFailureHandler failures, IdempotencyGuard idempotency, StreamCommands commands,
			ConsumerMetrics metrics, boolean cluster) {
		this.settings = settings;
		this.codec = codec;
		this.retryTemplate = retryTemplate;
		this.target = target;
		this.failures = failures;
		this.idempotency = idempotency;
		this.commands = commands;
		this.metrics = metrics;
		this.batchMode = settings.batchMode();
		this.transactional = settings.redis().isTransactional();
		this.cluster = cluster;
	}

	ConsumerSettings settings() {
		return this.settings;
	}

	ConsumerMetrics metrics() {
		return this.metrics;
	}

	RetryTemplate retryTemplate() {
		return this.retryTemplate;
	}

	/**
	 * Processes a batch of new entries ({@code XREADGROUP ... >}) in order, until the batch is done or the
	 * consumer is stopping. Entries not settled when Redis fails midway stay pending and are claimed again
	 * later.
	 * @param batch the deliveries, all owned by {@code consumer}
	 * @param consumer the consumer name
	 * @param acks the consumer's acknowledgement batcher, which releases the leases of the ids it sends
	 * @param held the consumer's lease set: ids in it are kept from looking abandoned
	 * @param stopping whether the consumer is stopping: checked before each entry
	 * @param unstarted where the entries not started yet are kept, for a stop to hand back
	 * @param countsReset the reset of the batch's delivery counters: a failure is recorded only after it, or
	 * the reset (sent on another connection) could undo the record
	 * @param manual with {@code ack-mode: manual}, the consumer's acknowledgement handles; null otherwise
	 * @param hold on a partition read in stream order, set when an entry is left pending after a failure (the
	 * caller's {@code stopping} then stops the batch behind it); null otherwise
	 * @return the deliveries left unprocessed because the consumer is stopping (not those a stop already
	 * handed back)
	 */
	List<Delivery> processNew(List<Delivery> batch, String consumer, AckBatcher acks, Set<String> held,
			BooleanSupplier stopping, UnstartedEntries unstarted, CompletableFuture<?> countsReset,
			ManualSettlement manual, OrderHold hold) {
		if (batch.isEmpty()) {
			return List.of();
		}
		this.metrics.received(batch.size());
		for (Delivery delivery : batch) {
			held.add(delivery.id());
		}
		try {
			List<Prepared> prepared = new ArrayList<>(batch.size());
			for (Delivery delivery : batch) {
				prepared.add(prepare(delivery, consumer));
			}
			Handling handling = new Handling(consumer, acks, held, alreadyProcessed(prepared, acks), countsReset,
					manual, hold);
			unstarted.begin(batch);
			for (int i = 0; i < prepared.size(); i++) {
				if (!unstarted.start(i)) {
					return List.of();
				}
				if (stopping.getAsBoolean()) {
					return batch.subList(i, batch.size());
				}
				acks.flushIfDue();
				settle(prepared.get(i), handling);
			}
			return List.of();
		}
		finally {
			unstarted.end();
			acks.flush();
			for (Delivery delivery : batch) {
				release(delivery.id(), held, manual);
			}
		}
	}

	/**
	 * Processes pending entries (the consumer's own after a restart, or idle ones of the group) in order,
	 * taking each right before its handler gets it, so that only deliveries to a handler are counted.
	 * @param batch the pending entries found
	 * @param consumer the consumer name
	 * @param acks the consumer's acknowledgement batcher
	 * @param held the consumer's lease set
	 * @param stopping whether the consumer is stopping: checked before each entry
	 * @param take claims an entry for this consumer, returning null when it is not to be delivered here
	 * @param manual with {@code ack-mode: manual}, the consumer's acknowledgement handles; null otherwise
	 * @param hold on a partition read in stream order, set when an entry is left pending after a failure; null
	 * otherwise
	 * @return the entries left untaken because the consumer is stopping (or, with manual acknowledgement, has
	 * {@code max-unacknowledged} entries waiting)
	 */
	List<PendingEntry> processPending(List<PendingEntry> batch, String consumer, AckBatcher acks, Set<String> held,
			BooleanSupplier stopping, Function<PendingEntry, Delivery> take, ManualSettlement manual, OrderHold hold) {
		Handling handling = new Handling(consumer, acks, held, new HashSet<>(), CompletableFuture.completedFuture(null),
				manual, hold);
		List<String> taken = new ArrayList<>();
		try {
			for (int i = 0; i < batch.size(); i++) {
				if (stopping.getAsBoolean() || (manual != null && manual.unacknowledged().room() == 0)) {
					return batch.subList(i, batch.size());
				}
				acks.flushIfDue();
				if (held.contains(batch.get(i).id())) {
					// in hand here already (waiting for the application, its lease late): not taken twice
					continue;
				}
				Delivery delivery = take.apply(batch.get(i));
				if (delivery == null) {
					continue;
				}
				this.metrics.received(1);
				held.add(delivery.id());
				taken.add(delivery.id());
				Prepared item = prepare(delivery, consumer);
				handling.processedKeys().addAll(alreadyProcessed(List.of(item), acks));
				settle(item, handling);
				// acknowledged before the next is taken: should the next one kill the JVM (pending entries are
				// often what a crash left behind), this one must not come back and be charged again
				acks.flush();
				acks.awaitFlushed(MARKER_WAIT);
			}
			return List.of();
		}
		finally {
			acks.flush();
			taken.forEach((id) -> release(id, held, manual));
		}
	}

	/**
	 * Settles an entry whose handler returned but whose writes (a processor's output) Redis refused: a
	 * failed delivery, not acknowledged.
	 */
	void writesFailed(Delivery delivery, String consumer, Throwable cause) {
		this.metrics.failed();
		logger.warn("Entry " + delivery.id() + " of " + this.settings.describe() + " was processed, but a write "
				+ "its handler made was not stored, so it is not acknowledged: " + cause);
		handlerFailed(delivery, consumer, cause);
	}

	Prepared prepare(Delivery delivery, String consumer) {
		Message<byte[]> message;
		try {
			message = this.codec.decode(delivery.entry(), this.settings.stream(), this.settings.group(), consumer,
					delivery.deliveryCount());
		}
		catch (MalformedEntryException ex) {
			return new Prepared(delivery, null, null, ex);
		}
		catch (RuntimeException ex) {
			// an entry that cannot be decoded fails the same way every time: it must not stop its batch and come
			// back for ever, it is dead-lettered like a malformed one
			return new Prepared(delivery, null, null,
					new MalformedEntryException("Entry " + delivery.id() + " could not be decoded: " + ex, ex));
		}
		return new Prepared(delivery, message, markerKey(message, delivery), null);
	}

	/**
	 * Settles an entry: without its handler when it must not reach it, otherwise by handing it over (with
	 * the binding's retries) and acknowledging it after success.
	 */
	void settle(Prepared item, Handling handling) {
		if (!settleWithoutHandler(item, handling)) {
			deliver(item, handling);
		}
	}

	/**
	 * Settles an entry that must not reach its handler: unreadable (dead-lettered), over
	 * {@code max-deliveries} (dead-lettered), or a duplicate of a processed key (acknowledged, skipped).
	 * @return true when the entry was settled here, false when it goes to its handler
	 */
	boolean settleWithoutHandler(Prepared item, Handling handling) {
		Delivery delivery = item.delivery();
		if (item.malformed() != null) {
			handling.held().remove(delivery.id());
			giveUp(delivery, handling.consumer(), item.malformed(), "it cannot be read as a message");
			return true;
		}
		int maxDeliveries = this.settings.redis().getMaxDeliveries();
		if (delivery.deliveryCount() > maxDeliveries) {
			handling.held().remove(delivery.id());
			giveUp(delivery, handling.consumer(),
					new DeliveryLimitExceededException(delivery.id(), delivery.deliveryCount(), maxDeliveries),
					"it exceeded max-deliveries");
			return true;
		}
		String markerKey = item.markerKey();
		if (markerKey != null && handling.processedKeys().contains(markerKey)) {
			skipDuplicate(item, handling);
			return true;
		}
		return false;
	}

	/**
	 * Acknowledges, unprocessed, an entry whose key was processed already.
	 */
	void skipDuplicate(Prepared item, Handling handling) {
		handling.acks().add(item.delivery(), null, List.of());
		this.metrics.duplicateSkipped();
		if (logger.isDebugEnabled()) {
			logger.debug("Skipped entry " + item.delivery().id() + " of " + this.settings.describe() + ": key "
					+ item.markerKey() + " was already processed");
		}
	}

	private void deliver(Prepared item, Handling handling) {
		ManualAcknowledgment manual = (handling.manual() != null) ? handling.manual().open(item, handling.countsReset())
				: null;
		Message<?> message = (manual != null) ? withAcknowledgment(item.message(), manual)
				: this.batchMode ? BatchMessages.of(List.of(item.message())) : item.message();
		long start = System.nanoTime();
		try {
			int[] attempts = { 0 };
			Writes writes = this.retryTemplate.execute(() -> {
				if (attempts[0]++ > 0) {
					this.metrics.retried();
				}
				if (manual != null) {
					manual.attemptStarted();
				}
				return sendRecordingWrites(message);
			});
			this.metrics.handlerDuration(System.nanoTime() - start);
			if (manual != null) {
				manual.handlerReturned(writes.replies(), handling.manual().unacknowledged());
			}
			else {
				processed(item, handling, writes);
			}
		}
		catch (RetryException ex) {
			this.metrics.handlerDuration(System.nanoTime() - start);
			if (manual != null) {
				// what the failed attempts asked for is void: the binder settles the entry
				manual.close("its handler failed, and the binder settled it as a failed delivery");
			}
			failed(item, handling, (ex.getCause() != null) ? ex.getCause() : ex);
		}
	}

	private static Message<?> withAcknowledgment(Message<byte[]> message, ManualAcknowledgment acknowledgment) {
		return MessageBuilder.fromMessage(message).setHeader(RedisStreamHeaders.ACKNOWLEDGMENT, acknowledgment).build();
	}

	/**
	 * Takes an entry out of the consumer's lease set once it is settled, unless it waits for the application
	 * to settle it (manual acknowledgement): its lease is kept until then.
	 */
	private static void release(String id, Set<String> held, ManualSettlement manual) {
		if (manual == null || !manual.unacknowledged().contains(id)) {
			held.remove(id);
		}
	}

	/**
	 * The application rejected an entry (manual acknowledgement): it is dead-lettered now.
	 */
	void rejected(Delivery delivery, String consumer, Throwable reason) {
		this.metrics.failed();
		giveUp(delivery, consumer, reason, "the application rejected it");
	}

	/**
	 * The application asked for an entry to be delivered again (manual acknowledgement): a failed delivery,
	 * whatever the binding's retryable exceptions, recorded after the reset of its batch's counters.
	 */
	void requeued(Delivery delivery, String consumer, CompletableFuture<?> countsReset) {
		this.metrics.failed();
		awaitQuietly(countsReset);
		try {
			this.failures.requeued(delivery, consumer, new RequeuedException(delivery.id()));
		}
		catch (RedisException ex) {
			logger.warn("Could not requeue entry " + delivery.id() + " of " + this.settings.describe()
					+ "; it stays pending and is delivered again later: " + ex);
		}
	}

	/**
	 * Acknowledges an entry whose handler succeeded, once the writes it made are stored.
	 */
	void processed(Prepared item, Handling handling, Writes writes) {
		processedTogether(List.of(item), handling, writes);
	}

	/**
	 * Acknowledges entries whose handler succeeded together (a batch): once the writes it made are stored, or,
	 * on a transactional binding, in one atomic step with the writes it staged.
	 */
	void processedTogether(List<Prepared> items, Handling handling, Writes writes) {
		if (writes.transactional()) {
			List<Delivery> deliveries = new ArrayList<>(items.size());
			List<String> markerKeys = new ArrayList<>(items.size());
			for (Prepared item : items) {
				deliveries.add(item.delivery());
				if (item.markerKey() != null) {
					markerKeys.add(item.markerKey());
				}
			}
			handling.acks().addStep(deliveries, markerKeys, writes.staged());
		}
		else {
			for (Prepared item : items) {
				handling.acks().add(item.delivery(), item.markerKey(), writes.replies());
			}
		}
		for (Prepared item : items) {
			if (item.markerKey() != null) {
				handling.processedKeys().add(item.markerKey());
			}
		}
	}

	/**
	 * Settles an entry whose handler failed after the in-process retries: an application error handler may
	 * take the failure (the entry is then acknowledged), otherwise the failed delivery is recorded.
	 */
	void failed(Prepared item, Handling handling, Throwable failure) {
		Delivery delivery = item.delivery();
		// a batch handler names its failed entry with an exception around the entry's own failure, which is
		// what decides a retry and what the dead letter records
		BatchEntryFailedException named = this.batchMode ? BatchEntryFailedException.find(failure) : null;
		Throwable cause = (named != null && named.getCause() != null) ? named.getCause() : failure;
		this.metrics.failed();
		// an application error handler that takes the failure may write too (a parking-lot stream): the
		// entry is acknowledged only once those writes are stored as well
		HandlerWrites.begin();
		boolean taken;
		List<CompletableFuture<?>> writes;
		try {
			taken = this.target.publishFailure(item.message(), cause);
		}
		finally {
			writes = HandlerWrites.end();
		}
		if (taken) {
			handling.acks().add(delivery, null, writes);
		}
		else {
			// released: a failed entry must age, so that it is claimed and delivered again
			handling.held().remove(delivery.id());
			awaitQuietly(handling.countsReset());
			DeliveryFailureHandler.Outcome outcome = handlerFailed(delivery, handling.consumer(), cause);
			if (outcome == DeliveryFailureHandler.Outcome.LEFT_PENDING && handling.hold() != null) {
				// in stream order: nothing behind it is processed before it succeeds or is given up
				handling.hold().failed(delivery.id());
			}
			else if (outcome == DeliveryFailureHandler.Outcome.NOT_OWNED && handling.hold() != null) {
				// another consumer took it: the partition may have a new owner, which reads the entries behind it
				handling.hold().takenAway();
			}
		}
	}

	/**
	 * Runs the handler, recording the writes it makes through the binder on this thread.
	 * @return those writes
	 */
	Writes sendRecordingWrites(Message<?> message) {
		return sendRecordingWrites(message, null);
	}

	/**
	 * Runs the handler, recording the writes it makes through the binder on this thread (staging them, on a
	 * transactional binding).
	 * @param failedWrites given the writes of an attempt that failed (a batch handler that named its failed
	 * entry made them for the entries before it), or null when they do not count
	 * @return those writes
	 */
	Writes sendRecordingWrites(Message<?> message, Consumer<Writes> failedWrites) {
		HandlerWrites.begin();
		if (this.transactional) {
			RedisStreamTransaction.begin(this.commands);
		}
		Writes writes = null;
		try {
			this.target.send(message);
			writes = new Writes(HandlerWrites.end(), this.transactional ? RedisStreamTransaction.end() : null);
			if (writes.transactional()) {
				checkSlots(writes.staged());
			}
			return writes;
		}
		finally {
			if (writes == null) {
				// the attempt failed (or threw an Error): nothing may stay recorded or staged
				Writes failed = new Writes(HandlerWrites.end(), this.transactional ? RedisStreamTransaction.end() : null);
				if (failedWrites != null) {
					failedWrites.accept(failed);
				}
			}
		}
	}

	/**
	 * A step may not write its own input stream, and, on Redis Cluster, where one script applies it, every key it
	 * writes must be in the stream's slot.
	 */
	private void checkSlots(List<StagedCommand> staged) {
		for (StagedCommand command : staged) {
			if (command.key().equals(this.settings.stream())) {
				throw new InvalidStepException("The transactional step of " + this.settings.describe() + " writes to "
						+ "its own input stream (" + command.command() + "): a step may not change the stream it "
						+ "acknowledges; write to another key");
			}
		}
		if (!this.cluster || staged.isEmpty()) {
			return;
		}
		int slot = SlotHash.getSlot(this.settings.stream());
		List<String> elsewhere = staged.stream()
			.map(StagedCommand::key)
			.filter((key) -> SlotHash.getSlot(key) != slot)
			.distinct()
			.toList();
		if (!elsewhere.isEmpty()) {
			throw new InvalidStepException("The transactional step of " + this.settings.describe() + " writes to "
					+ elsewhere + ", outside the stream's Redis Cluster slot " + slot + "; one atomic step cannot span "
					+ "slots: give these keys the stream's hash tag, e.g. '{" + this.settings.stream() + "}:...', or "
					+ "bind an output destination named so");
		}
	}

	private static void awaitQuietly(CompletableFuture<?> future) {
		try {
			future.get(MARKER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			// the reset failed or is late: the record goes ahead; at worst one delivery is not counted
		}
	}

	private DeliveryFailureHandler.Outcome handlerFailed(Delivery delivery, String consumer, Throwable cause) {
		try {
			return this.failures.handlerFailed(delivery, consumer, cause);
		}
		catch (RedisException ex) {
			logger.warn("Could not settle failed entry " + delivery.id() + " of " + this.settings.describe()
					+ "; it stays pending and is delivered again later: " + ex);
			return DeliveryFailureHandler.Outcome.LEFT_PENDING;
		}
	}

	private void giveUp(Delivery delivery, String consumer, Throwable cause, String reason) {
		try {
			this.failures.giveUp(delivery, consumer, cause, reason);
		}
		catch (RedisException ex) {
			logger.warn("Could not dead-letter entry " + delivery.id() + " of " + this.settings.describe()
					+ "; it stays pending and is tried again later: " + ex);
		}
	}

	private String markerKey(Message<byte[]> message, Delivery delivery) {
		if (this.idempotency == null) {
			return null;
		}
		try {
			return this.idempotency.markerKey(message);
		}
		catch (RuntimeException ex) {
			// an EvaluationException, or a payload the expression's root cannot hold; once per binding at WARN:
			// a payload of another shape fails the same way on every entry
			String text = "The idempotency key expression failed on entry " + delivery.id() + " of "
					+ this.settings.describe() + "; it is processed without a duplicate check: " + ex.getMessage();
			if (this.keyFailureReported.compareAndSet(false, true)) {
				logger.warn(text + " (further failures of the expression are logged at DEBUG)");
			}
			else if (logger.isDebugEnabled()) {
				logger.debug(text);
			}
			return null;
		}
	}

	Set<String> alreadyProcessed(List<Prepared> prepared, AckBatcher acks) {
		if (this.idempotency == null) {
			return new HashSet<>();
		}
		// the markers of the previous batch are written by its acknowledgement: let it land first, or a
		// duplicate in this batch of a message just processed would not be recognised
		acks.awaitFlushed(MARKER_WAIT);
		Set<String> keys = new HashSet<>();
		for (Prepared item : prepared) {
			if (item.markerKey() != null) {
				keys.add(item.markerKey());
			}
		}
		return new HashSet<>(this.idempotency.processed(this.commands, keys));
	}

	record Prepared(Delivery delivery, Message<byte[]> message, String markerKey,
			MalformedEntryException malformed) {

	}

	/**
	 * What settling the entries of one batch shares.
	 *
	 * @param processedKeys idempotency keys known to be processed: marked in Redis, or processed earlier in
	 * the batch
	 * @param countsReset the reset of the delivery counters of a batch of new entries (done at once for pending
	 * entries)
	 * @param manual with {@code ack-mode: manual}, the consumer's acknowledgement handles; null otherwise
	 * @param hold on a partition read in stream order, where a failed entry stops its batch; null otherwise
	 */
	record Handling(String consumer, AckBatcher acks, Set<String> held, Set<String> processedKeys,
			CompletableFuture<?> countsReset, ManualSettlement manual, OrderHold hold) {

	}

	/**
	 * What a requeued entry records as its failure.
	 */
	static final class RequeuedException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		RequeuedException(String entryId) {
			super("Entry " + entryId + " was requeued by the application", null, false, false);
		}

	}

}
