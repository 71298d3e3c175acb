package io.github.redisstreams.binder.inbound;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.netty.util.concurrent.FastThreadLocalThread;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.inbound.EntryProcessor.Prepared;
import io.github.redisstreams.binder.support.Delivery;

/**
 * With {@code ack-mode: manual}: one consumer's side of its entries' acknowledgement handles. It hands out a
 * handle per delivery and carries out what the application decides, on the application's thread: an
 * acknowledgement goes out at once through the consumer's {@link AckBatcher} (one {@code XACK} per entry:
 * the application decides when, so there is nothing to coalesce with), a rejection dead-letters the entry, a
 * requeue records a failed delivery. Whatever happens, the entry stops counting against
 * {@code max-unacknowledged}; should Redis fail, it stays pending and is delivered again later.
 */
final class ManualSettlement implements ManualAcknowledgment.Settlement {

	private static final Log logger = LogFactory.getLog(ManualSettlement.class);

	private final String consumer;

	private final AckBatcher acks;

	private final Set<String> held;

	private final UnacknowledgedEntries unacknowledged;

	private final EntryProcessor processor;

	private final Executor executor;

	ManualSettlement(String consumer, AckBatcher acks, Set<String> held, UnacknowledgedEntries unacknowledged,
			EntryProcessor processor, Executor executor) {
		this.consumer = consumer;
		this.acks = acks;
		this.held = held;
		this.unacknowledged = unacknowledged;
		this.processor = processor;
		this.executor = executor;
	}

	ManualAcknowledgment open(Prepared item, CompletableFuture<?> countsReset) {
		return new ManualAcknowledgment(item.delivery(), item.markerKey(), this, countsReset);
	}

	UnacknowledgedEntries unacknowledged() {
		return this.unacknowledged;
	}

	@Override
	public void acknowledge(ManualAcknowledgment acknowledgment, Delivery delivery, String markerKey,
			List<CompletableFuture<?>> writes) {
		settle(acknowledgment, () -> {
			// the batcher removes the id from the lease set when it sends the acknowledgement
			this.acks.addAndFlush(delivery, markerKey, writes);
		}, !writes.stream().allMatch(CompletableFuture::isDone));
	}

	@Override
	public void reject(ManualAcknowledgment acknowledgment, Delivery delivery, Throwable reason) {
		settle(acknowledgment, () -> {
			this.held.remove(delivery.id());
			this.processor.rejected(delivery, this.consumer, reason);
		}, true);
	}

	@Override
	public void requeue(ManualAcknowledgment acknowledgment, Delivery delivery, CompletableFuture<?> countsReset) {
		settle(acknowledgment, () -> {
			// released: it must age, so that it is claimed and delivered again after claim-idle-time
			this.held.remove(delivery.id());
			this.processor.requeued(delivery, this.consumer, countsReset);
		}, true);
	}

	/**
	 * Runs a settlement. One that waits for Redis (a dead letter, a recorded failure, or an acknowledgement
	 * behind writes not yet confirmed) must not run on a Lettuce I/O thread, where an application's
	 * asynchronous callback may well call it: that thread may be the one that has to deliver the reply. It
	 * then runs on the binding's executor.
	 */
	private void settle(ManualAcknowledgment acknowledgment, Runnable work, boolean waitsForRedis) {
		Runnable settlement = () -> {
			try {
				work.run();
			}
			catch (RuntimeException ex) {
				logger.warn("Could not settle entry " + acknowledgment.entryId() + "; it stays pending and is "
						+ "delivered again later: " + ex);
			}
			finally {
				this.unacknowledged.remove(acknowledgment);
			}
		};
		if (waitsForRedis && Thread.currentThread() instanceof FastThreadLocalThread) {
			this.executor.execute(settlement);
		}
		else {
			settlement.run();
		}
	}

}
