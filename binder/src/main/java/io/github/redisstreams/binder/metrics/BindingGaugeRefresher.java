package io.github.redisstreams.binder.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Keeps the gauges of the running consumer bindings (lag, pending entries, oldest pending age, highest
 * delivery count, stream and dead-letter stream lengths; see {@link BinderMeters}) up to date: it reads
 * them from Redis every {@code refresh-interval}, on a thread of its own, so that a scrape only reads
 * numbers in memory and never waits for Redis. A gauge shows NaN until its first refresh and while
 * Redis cannot be read. Gauges of a binding are removed when it stops.
 */
public class BindingGaugeRefresher implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(BindingGaugeRefresher.class);

	private final RedisStreamBindingRegistry bindings;

	private final BindingStateReader reader;

	private final MeterRegistry registry;

	private final Duration interval;

	private final Map<ConsumerBindingView, BindingGauges> gauges = new IdentityHashMap<>();

	private ThreadPoolTaskScheduler scheduler;

	private ScheduledFuture<?> task;

	private volatile boolean failing;

	public BindingGaugeRefresher(RedisStreamBindingRegistry bindings, BindingStateReader reader, MeterRegistry registry,
			Duration interval) {
		this.bindings = bindings;
		this.reader = reader;
		this.registry = registry;
		this.interval = interval;
	}

	@Override
	public synchronized void start() {
		if (this.scheduler != null) {
			return;
		}
		this.scheduler = new ThreadPoolTaskScheduler();
		this.scheduler.setThreadNamePrefix("redis-stream-metrics-");
		this.scheduler.setDaemon(true);
		this.scheduler.initialize();
		this.task = this.scheduler.scheduleWithFixedDelay(this::refresh, this.interval);
	}

	@Override
	public synchronized void stop() {
		if (this.scheduler == null) {
			return;
		}
		this.task.cancel(false);
		this.scheduler.shutdown();
		this.scheduler = null;
		synchronized (this.gauges) {
			this.gauges.values().forEach(BindingGauges::remove);
			this.gauges.clear();
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	/**
	 * Reads the state of every running consumer binding now and updates its gauges.
	 */
	public void refresh() {
		try {
			refreshRunningBindings();
		}
		catch (RuntimeException ex) {
			// not Redis (each binding handles that): report it and refresh again next time
			logger.warn("Refreshing the binding gauges failed", ex);
		}
	}

	private void refreshRunningBindings() {
		List<ConsumerBindingView> running = this.bindings.consumers();
		List<BindingGauges> current = new ArrayList<>(running.size());
		synchronized (this.gauges) {
			this.gauges.entrySet().removeIf((entry) -> {
				if (!running.contains(entry.getKey())) {
					entry.getValue().remove();
					return true;
				}
				return false;
			});
			for (ConsumerBindingView binding : running) {
				current.add(this.gauges.computeIfAbsent(binding, (view) -> new BindingGauges(view, this.registry)));
			}
		}
		for (BindingGauges binding : current) {
			refresh(binding);
		}
	}

	private void refresh(BindingGauges binding) {
		try {
			binding.update(this.reader.read(binding.view, false));
			if (this.failing) {
				this.failing = false;
				logger.info("Binding metrics are read from Redis again");
			}
		}
		catch (RuntimeException ex) {
			binding.clear();
			if (!this.failing) {
				this.failing = true;
				logger.warn("Could not read the state of binding '" + binding.view.bindingName()
						+ "' from Redis for its gauges; they show NaN until Redis answers again: " + ex);
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Could not refresh the gauges of binding '" + binding.view.bindingName() + "'", ex);
			}
		}
	}

	/**
	 * The gauges of one binding and the values they show.
	 */
	private static final class BindingGauges {

		private final ConsumerBindingView view;

		private final MeterRegistry registry;

		private final List<Meter> meters = new ArrayList<>();

		private volatile BindingState state;

		BindingGauges(ConsumerBindingView view, MeterRegistry registry) {
			this.view = view;
			this.registry = registry;
			Tags tags = MicrometerBindingMetricsFactory.consumerTags(view.bindingName(), view.stream(), view.group());
			gauge(BinderMeters.LAG, tags, "Entries of the stream the group has not read yet",
					(state) -> state.lag());
			gauge(BinderMeters.PENDING, tags, "Entries delivered to the group and not acknowledged",
					(state) -> state.pending());
			gauge(BinderMeters.PENDING_MAX_DELIVERIES, tags,
					"Highest delivery count among the oldest pending entries", (state) -> state.maxDeliveryCount());
			gauge(BinderMeters.STREAM_LENGTH, tags, "Entries in the stream", (state) -> state.streamLength());
			this.meters.add(TimeGauge
				.builder(BinderMeters.PENDING_OLDEST_AGE, this, TimeUnit.MILLISECONDS,
						valueOf((state) -> (state.pending() == null) ? null
								: (state.oldestPendingAgeMillis() != null) ? state.oldestPendingAgeMillis() : 0L))
				.tags(tags)
				.description("Age of the oldest pending entry")
				.strongReference(true)
				.register(registry));
			if (view.deadLetterStream() != null) {
				gauge(BinderMeters.DLQ_LENGTH, tags, "Entries in the dead-letter stream",
						(state) -> state.deadLetterCount());
			}
		}

		private void gauge(String name, Tags tags, String description, StateValue value) {
			this.meters.add(Gauge.builder(name, this, valueOf(value))
				.tags(tags)
				.description(description)
				.strongReference(true)
				.register(this.registry));
		}

		private static ToDoubleFunction<BindingGauges> valueOf(StateValue value) {
			return (gauges) -> {
				BindingState state = gauges.state;
				Number number = (state != null) ? value.of(state) : null;
				return (number != null) ? number.doubleValue() : Double.NaN;
			};
		}

		void update(BindingState state) {
			this.state = state;
		}

		void clear() {
			this.state = null;
		}

		void remove() {
			this.meters.forEach(this.registry::remove);
		}

	}

	@FunctionalInterface
	private interface StateValue {

		Number of(BindingState state);

	}

}
