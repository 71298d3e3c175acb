package io.github.redisstreams.binder.inbound;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.retry.RetryException;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;

import io.github.redisstreams.binder.inbound.EntryProcessor.Handling;
import io.github.redisstreams.binder.inbound.EntryProcessor.Prepared;
import io.github.redisstreams.binder.support.BatchEntryFailedException;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.JsonSyntax;
import io.github.redisstreams.binder.support.MalformedEntryException;

/**
 * Processes a batch of new entries with one handler call ({@code batch-mode: true}):
 * <ul>
 * <li>entries that must not reach the handler (unreadable, over {@code max-deliveries}, duplicates of a
 * processed key) are settled first, each on its own, as in message-at-a-time mode; a second entry with the
 * key of one in the same batch waits for it, and is skipped when it succeeded;</li>
 * <li>the others go to the handler as one list, with the binding's retries around the call, and are
 * acknowledged together after it returned (one flush of the {@link AckBatcher});</li>
 * <li>a handler that names the failed entry ({@link BatchEntryFailedException}) has the entries before it
 * acknowledged at once, and the failed entry starts a new batch with those after it and a fresh retry
 * budget; when the failed entry is the first of its batch and the retries are spent, it is settled as a
 * failed single message and the entries after it go to the handler again as a new batch;</li>
 * <li>a handler that fails without naming an entry has its batch retried; once the retries are spent, each
 * entry goes to the handler on its own (a list of one, with its own retries), so that a healthy entry is
 * never charged, nor dead-lettered, for a neighbour's failure.</li>
 * </ul>
 * Every entry of a batch is delivered to the handler when the batch is, so none of their delivery counters
 * is set back (unlike message-at-a-time mode). Entries coming back (a consumer's own after a restart, idle
 * ones taken over) are suspects of a crash and go to the handler one at a time, by {@link EntryProcessor}.
 */
final class BatchProcessor {

	private static final Log logger = LogFactory.getLog(BatchProcessor.class);

	private final EntryProcessor entries;

	BatchProcessor(EntryProcessor entries) {
		this.entries = entries;
	}

	/**
	 * @param batch new entries ({@code XREADGROUP ... >}), all owned by {@code consumer}
	 * @param consumer the consumer name
	 * @param acks the consumer's acknowledgement batcher
	 * @param held the consumer's lease set
	 * @param stopping whether the consumer is stopping: checked before each handler call
	 * @param unstarted where the entries not started yet are kept, for a stop to hand back
	 * @return the deliveries left unprocessed because the consumer is stopping
	 */
	List<Delivery> process(List<Delivery> batch, String consumer, AckBatcher acks, Set<String> held,
			BooleanSupplier stopping, UnstartedEntries unstarted) {
		if (batch.isEmpty()) {
			return List.of();
		}
		this.entries.metrics().received(batch.size());
		batch.forEach((delivery) -> held.add(delivery.id()));
		try {
			List<Prepared> prepared = new ArrayList<>(batch.size());
			for (Delivery delivery : batch) {
				prepared.add(this.entries.prepare(delivery, consumer));
			}
			Handling handling = new Handling(consumer, acks, held, this.entries.alreadyProcessed(prepared, acks),
					CompletableFuture.completedFuture(null), null, null);
			List<Prepared> deliverable = new ArrayList<>(prepared.size());
			List<Prepared> sameKey = new ArrayList<>();
			Set<String> keys = new HashSet<>();
			for (Prepared item : prepared) {
				if (this.entries.settleWithoutHandler(checkJson(item), handling)) {
					continue;
				}
				if (item.markerKey() != null && !keys.add(item.markerKey())) {
					sameKey.add(item);
				}
				else {
					deliverable.add(item);
				}
			}
			List<Prepared> rest = deliverable;
			while (!rest.isEmpty()) {
				if (stopping.getAsBoolean()) {
					return deliveries(rest, sameKey);
				}
				Outcome outcome = deliver(rest, handling);
				if (outcome.oneByOne().isEmpty()) {
					rest = outcome.again();
					continue;
				}
				List<Prepared> alone = outcome.oneByOne();
				List<Delivery> left = settleOneByOne(alone, handling, stopping, unstarted);
				if (!left.isEmpty()) {
					List<Delivery> all = new ArrayList<>(left);
					all.addAll(deliveries(List.of(), sameKey));
					return all;
				}
				rest = List.of();
			}
			// after the entries they share a key with: skipped when those succeeded, delivered otherwise
			return settleOneByOne(sameKey, handling, stopping, unstarted);
		}
		finally {
			unstarted.end();
			acks.flush();
			batch.forEach((delivery) -> held.remove(delivery.id()));
		}
	}

	/**
	 * The framework leaves out of a batch's list, silently, an element it cannot convert: a JSON payload that
	 * is not valid JSON would be acknowledged without its handler ever seeing it. It is dead-lettered instead,
	 * as a single message failing to convert would be.
	 */
	private Prepared checkJson(Prepared item) {
		if (item.malformed() != null) {
			return item;
		}
		Object contentType = item.message().getHeaders().get(MessageHeaders.CONTENT_TYPE);
		if (!JsonSyntax.isJson((contentType != null) ? contentType : this.entries.settings().contentType())) {
			return item;
		}
		String problem = JsonSyntax.problemWith(item.message().getPayload());
		if (problem == null) {
			return item;
		}
		return new Prepared(item.delivery(), null, null,
				new MalformedEntryException("Entry " + item.delivery().id() + " cannot join a batch: " + problem));
	}

	/**
	 * Hands the batch to the handler, with the binding's retries.
	 * @return what is left: entries to deliver again as a batch (after a named failed entry, or, when a try
	 * named one and processed those before it, from the failed one on, with a fresh retry budget), or entries
	 * to deliver one by one
	 */
	private Outcome deliver(List<Prepared> batch, Handling handling) {
		List<String> ids = batch.stream().map((item) -> item.delivery().id()).toList();
		int[] attempts = { 0 };
		long start = System.nanoTime();
		try {
			Attempt result = this.entries.retryTemplate().execute(() -> {
				if (attempts[0]++ > 0) {
					this.entries.metrics().retried();
				}
				return attempt(batch, ids, handling);
			});
			this.entries.metrics().handlerDuration(System.nanoTime() - start);
			if (result.failedAt() > 0) {
				return new Outcome(List.copyOf(batch.subList(result.failedAt(), batch.size())), List.of());
			}
			// together: on a transactional binding, one atomic step for the whole batch
			this.entries.processedTogether(batch, handling, result.writes());
			return new Outcome(List.of(), List.of());
		}
		catch (RetryException ex) {
			this.entries.metrics().handlerDuration(System.nanoTime() - start);
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			BatchEntryFailedException named = BatchEntryFailedException.find(cause);
			if (named != null && named.indexIn(ids) == 0) {
				this.entries.failed(batch.get(0), handling, named);
				return new Outcome(List.copyOf(batch.subList(1, batch.size())), List.of());
			}
			logger.warn("A batch of " + batch.size() + " entries of " + this.entries.settings().describe()
					+ ((named != null) ? " failed after its retries (on a transactional binding, a named entry is"
							+ " handled like an unnamed failure)" : " failed after its retries without naming the entry"
									+ " that failed (BatchEntryFailedException)")
					+ "; each entry now goes to the handler on its own: " + cause);
			return new Outcome(List.of(), List.copyOf(batch));
		}
	}

	/**
	 * One try. When the handler names a failed entry after the first, the entries before it are processed:
	 * they are acknowledged at once (with the writes the try made), and the try ends there, so that the
	 * failed entry starts a batch of its own with the whole retry budget. A failed first entry, or a failure
	 * naming none, is thrown for the retries.
	 */
	private Attempt attempt(List<Prepared> batch, List<String> ids, Handling handling) {
		List<Message<byte[]>> messages = batch.stream().map(Prepared::message).toList();
		List<Writes> failedWrites = new ArrayList<>(1);
		try {
			return new Attempt(this.entries.sendRecordingWrites(BatchMessages.of(messages), failedWrites::add), -1);
		}
		catch (RuntimeException ex) {
			BatchEntryFailedException named = BatchEntryFailedException.find(ex);
			int failedAt = (named != null) ? named.indexIn(ids) : -1;
			Writes writes = failedWrites.isEmpty() ? Writes.NONE : failedWrites.get(0);
			if (failedAt <= 0 || writes.transactional()) {
				// on a transactional binding, what a failed try staged cannot be told apart per entry: it is
				// discarded, and the batch retried whole
				throw ex;
			}
			for (int i = 0; i < failedAt; i++) {
				this.entries.processed(batch.get(i), handling, writes);
			}
			handling.acks().flush();
			if (logger.isDebugEnabled()) {
				logger.debug("Batch handler of " + this.entries.settings().describe() + " named entry " + ids.get(failedAt)
						+ " as failed: " + failedAt + " entries before it acknowledged; it is tried again: " + ex);
			}
			return new Attempt(writes, failedAt);
		}
	}

	private List<Delivery> settleOneByOne(List<Prepared> items, Handling handling, BooleanSupplier stopping,
			UnstartedEntries unstarted) {
		List<Delivery> deliveries = items.stream().map(Prepared::delivery).toList();
		unstarted.begin(deliveries);
		for (int i = 0; i < items.size(); i++) {
			if (!unstarted.start(i)) {
				return List.of();
			}
			if (stopping.getAsBoolean()) {
				return deliveries.subList(i, deliveries.size());
			}
			handling.acks().flushIfDue();
			this.entries.settle(items.get(i), handling);
		}
		return List.of();
	}

	private static List<Delivery> deliveries(List<Prepared> first, List<Prepared> then) {
		List<Delivery> all = new ArrayList<>(first.size() + then.size());
		first.forEach((item) -> all.add(item.delivery()));
		then.forEach((item) -> all.add(item.delivery()));
		return all;
	}

	/**
	 * What a batch's handler call leaves: entries to hand over again as a new batch (after a named failed
	 * entry), or entries to hand over one at a time (after a failure that named none).
	 */
	private record Outcome(List<Prepared> again, List<Prepared> oneByOne) {

	}

	/**
	 * What one try gave: the writes of a successful call, or the position of a named failed entry after the
	 * first (the entries before it were processed).
	 */
	private record Attempt(Writes writes, int failedAt) {

	}

}
