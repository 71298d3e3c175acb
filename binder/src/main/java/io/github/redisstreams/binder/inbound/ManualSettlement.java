package io.github.redisstreams.binder.inbound;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.github.redisstreams.binder.inbound.EntryProcessor.Prepared;
import io.github.redisstreams.binder.support.Delivery;

/**
 * With {@code ack-mode: manual}: one consumer's side of its entries' acknowledgement handles. It hands out a
 * handle per delivery and carries out what the application decides, on the application's thread: an
 * acknowledgement goes out at once through the consumer's {@link AckBatcher} (one {@code XACK} per entry:
 * the application decides when, so there is nothing to coalesce with), a rejection dead-letters the entry, a
 * requeue records a failed delivery.
 */
final class ManualSettlement implements ManualAcknowledgment.Settlement {

	private final String consumer;

	private final AckBatcher acks;

	private final Set<String> held;

	private final UnacknowledgedEntries unacknowledged;

	private final EntryProcessor processor;

	ManualSettlement(String consumer, AckBatcher acks, Set<String> held, UnacknowledgedEntries unacknowledged,
			EntryProcessor processor) {
		this.consumer = consumer;
		this.acks = acks;
		this.held = held;
		this.unacknowledged = unacknowledged;
		this.processor = processor;
	}

	ManualAcknowledgment open(Prepared item) {
		return new ManualAcknowledgment(item.delivery(), item.markerKey(), this);
	}

	UnacknowledgedEntries unacknowledged() {
		return this.unacknowledged;
	}

	@Override
	public void acknowledge(ManualAcknowledgment acknowledgment, Delivery delivery, String markerKey,
			List<CompletableFuture<?>> writes) {
		// the batcher removes the id from the lease set when it sends the acknowledgement
		this.acks.addAndFlush(delivery, markerKey, writes);
		this.unacknowledged.remove(acknowledgment);
	}

	@Override
	public void reject(ManualAcknowledgment acknowledgment, Delivery delivery, Throwable reason) {
		this.held.remove(delivery.id());
		this.processor.rejected(delivery, this.consumer, reason);
		this.unacknowledged.remove(acknowledgment);
	}

	@Override
	public void requeue(ManualAcknowledgment acknowledgment, Delivery delivery) {
		// released: it must age, so that it is claimed and delivered again after claim-idle-time
		this.held.remove(delivery.id());
		this.processor.requeued(delivery, this.consumer);
		this.unacknowledged.remove(acknowledgment);
	}

}
