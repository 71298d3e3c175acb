package io.github.redisstreams.binder.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * Reports what each binding does as Micrometer counters and timers (see {@link BinderMeters}). The
 * gauges that need Redis are kept by {@link BindingGaugeRefresher}.
 */
public class MicrometerBindingMetricsFactory implements BindingMetricsFactory {

	private final MeterRegistry registry;

	public MicrometerBindingMetricsFactory(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public ConsumerMetrics consumer(String bindingName, String stream, String group) {
		return new MicrometerConsumerMetrics(this.registry, consumerTags(bindingName, stream, group));
	}

	@Override
	public ProducerMetrics producer(String bindingName, String stream) {
		return new MicrometerProducerMetrics(this.registry,
				Tags.of(BinderMeters.TAG_BINDING, BindingNames.nameOf(bindingName), BinderMeters.TAG_STREAM, stream));
	}

	static Tags consumerTags(String bindingName, String stream, String group) {
		return Tags.of(BinderMeters.TAG_BINDING, BindingNames.nameOf(bindingName), BinderMeters.TAG_STREAM, stream,
				BinderMeters.TAG_GROUP, group);
	}

	private static Counter counter(MeterRegistry registry, String name, Tags tags, String description) {
		return Counter.builder(name).tags(tags).description(description).register(registry);
	}

	private static Timer timer(MeterRegistry registry, String name, Tags tags, String description) {
		return Timer.builder(name).tags(tags).description(description).register(registry);
	}

	private static final class MicrometerConsumerMetrics implements ConsumerMetrics {

		private final Counter received;

		private final Counter acked;

		private final Counter failed;

		private final Counter retried;

		private final Counter reclaimed;

		private final Counter deadLettered;

		private final Counter dropped;

		private final Counter duplicatesSkipped;

		private final Counter lostToTrimming;

		private final Counter stepsDiscarded;

		private final Timer handlerDuration;

		private final Timer endToEndLatency;

		private final Map<String, Counter> partitionChanges = new HashMap<>();

		MicrometerConsumerMetrics(MeterRegistry registry, Tags tags) {
			for (String change : List.of("taken", "handed-over", "released", "lost")) {
				this.partitionChanges.put(change, counter(registry, BinderMeters.PARTITION_REBALANCES,
						tags.and(BinderMeters.TAG_CHANGE, change),
						"Changes of the partitions this instance owns (partition-assignment dynamic)"));
			}
			this.received = counter(registry, BinderMeters.RECEIVED, tags,
					"Entries handed to the binding: new, own pending and claimed");
			this.acked = counter(registry, BinderMeters.ACKED, tags, "Entries acknowledged after success");
			this.failed = counter(registry, BinderMeters.FAILED, tags,
					"Deliveries whose handler failed after the in-process retries");
			this.retried = counter(registry, BinderMeters.RETRIED, tags, "In-process retries of the handler");
			this.reclaimed = counter(registry, BinderMeters.RECLAIMED, tags,
					"Entries taken over from idle consumers (XPENDING IDLE, then XCLAIM)");
			this.deadLettered = counter(registry, BinderMeters.DEAD_LETTERED, tags,
					"Entries moved to the dead-letter stream");
			this.dropped = counter(registry, BinderMeters.DROPPED, tags,
					"Entries given up without a dead-letter stream");
			this.duplicatesSkipped = counter(registry, BinderMeters.DUPLICATES_SKIPPED, tags,
					"Deliveries skipped because their business key was already processed");
			this.lostToTrimming = counter(registry, BinderMeters.LOST_TO_TRIMMING, tags,
					"Pending entries trimmed from the stream before they were processed");
			this.stepsDiscarded = counter(registry, BinderMeters.STEPS_DISCARDED, tags,
					"Atomic steps of a transactional binding discarded: their entry was taken over meanwhile");
			this.handlerDuration = timer(registry, BinderMeters.HANDLER_DURATION, tags,
					"Time the handler took for one delivery, retries included");
			this.endToEndLatency = timer(registry, BinderMeters.END_TO_END_LATENCY, tags,
					"Time from the entry's creation to its acknowledgement");
		}

		@Override
		public void received(int count) {
			this.received.increment(count);
		}

		@Override
		public void acked(int count) {
			this.acked.increment(count);
		}

		@Override
		public void failed() {
			this.failed.increment();
		}

		@Override
		public void retried() {
			this.retried.increment();
		}

		@Override
		public void reclaimed(int count) {
			this.reclaimed.increment(count);
		}

		@Override
		public void deadLettered() {
			this.deadLettered.increment();
		}

		@Override
		public void dropped() {
			this.dropped.increment();
		}

		@Override
		public void duplicateSkipped() {
			this.duplicatesSkipped.increment();
		}

		@Override
		public void lostToTrimming(int count) {
			this.lostToTrimming.increment(count);
		}

		@Override
		public void stepsDiscarded(int count) {
			this.stepsDiscarded.increment(count);
		}

		@Override
		public void partitionOwnershipChanged(String change) {
			Counter counter = this.partitionChanges.get(change);
			if (counter != null) {
				counter.increment();
			}
		}

		@Override
		public void handlerDuration(long nanos) {
			this.handlerDuration.record(nanos, TimeUnit.NANOSECONDS);
		}

		@Override
		public void endToEndLatency(long millis) {
			this.endToEndLatency.record(millis, TimeUnit.MILLISECONDS);
		}

	}

	private static final class MicrometerProducerMetrics implements ProducerMetrics {

		private final Counter sent;

		private final Counter sendFailed;

		private final Counter trimmed;

		private final Counter retentionHeldBack;

		MicrometerProducerMetrics(MeterRegistry registry, Tags tags) {
			this.sent = counter(registry, BinderMeters.SENT, tags, "Entries confirmed written by Redis");
			this.sendFailed = counter(registry, BinderMeters.SEND_FAILED, tags, "Sends that failed");
			this.trimmed = counter(registry, BinderMeters.TRIMMED, tags, "Entries removed by the retention trim");
			this.retentionHeldBack = counter(registry, BinderMeters.RETENTION_HELD_BACK, tags,
					"Retention trims stopped short because a consumer group still needed the entries");
		}

		@Override
		public void sent() {
			this.sent.increment();
		}

		@Override
		public void sendFailed() {
			this.sendFailed.increment();
		}

		@Override
		public void trimmed(long count) {
			this.trimmed.increment(count);
		}

		@Override
		public void retentionHeldBack() {
			this.retentionHeldBack.increment();
		}

	}

}
