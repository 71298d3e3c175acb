package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.TaskScheduler;

import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.idempotency.IdempotencyGuard;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.properties.AckMode;
import io.github.redisstreams.binder.provisioning.RedisStreamProvisioner;
import io.github.redisstreams.binder.recovery.ConsumerJanitor;
import io.github.redisstreams.binder.recovery.DeliveryFailureHandler;
import io.github.redisstreams.binder.recovery.LeaseKeeper;
import io.github.redisstreams.binder.recovery.PendingEntryRecovery;
import io.github.redisstreams.binder.recovery.PendingEntryUpdates;
import io.github.redisstreams.binder.support.EntryCodec;

/**
 * Runs the consumers of one binding: one {@link ConsumerLoop} per concurrency slot, each on its own thread
 * (from the container's {@link TaskExecutor}) and its own Redis connection, plus the binding's lease keeper
 * and consumer clean-up. Starts, pauses, resumes and stops them, with the stop deadline
 * ({@code shutdown-timeout}). What the loops deliver goes to a {@link DeliveryTarget}, the channel adapter,
 * which knows nothing of this machinery.
 */
public class StreamConsumerContainer implements BindingConsumers {

	private static final Log logger = LogFactory.getLog(StreamConsumerContainer.class);

	private final ConsumerSettings settings;

	private final RedisStreamConnections connections;

	private final RedisStreamProvisioner provisioner;

	private final EntryCodec codec;

	private final RetryTemplate retryTemplate;

	private final DeliveryFailureHandler failures;

	private final IdempotencyGuard idempotency;

	private final TaskScheduler scheduler;

	private final ConsumerMetrics metrics;

	private final LeaseKeeper leaseKeeper;

	private final PendingEntryUpdates pendingUpdates;

	private final DeliveryTarget target;

	private TaskExecutor executor;

	private Predicate<Duration> readPermit = (time) -> true;

	private final List<ConsumerLoop> loops = new CopyOnWriteArrayList<>();

	/** Loops of an earlier start still in a handler, whose leases must be kept until they finish. */
	private final List<ConsumerLoop> lingering = new CopyOnWriteArrayList<>();

	private ConsumerJanitor janitor;

	private volatile boolean paused;

	private volatile boolean stopping;

	/** Guards starting, stopping and the end of the last loop against each other. */
	private final Object lifecycle = new Object();

	private final List<Runnable> onFinished = new ArrayList<>();

	/**
	 * @param idempotency the duplicate check, or null when the binding has none
	 * @param scheduler runs the lease renewals and the consumer clean-up
	 * @param pendingUpdates changes the binding's pending entries (leases, hand-backs)
	 * @param target where the loops deliver messages and publish failures
	 */
	public StreamConsumerContainer(ConsumerSettings settings, RedisStreamConnections connections,
			RedisStreamProvisioner provisioner, EntryCodec codec, RetryTemplate retryTemplate,
			DeliveryFailureHandler failures, IdempotencyGuard idempotency, TaskScheduler scheduler,
			ConsumerMetrics metrics, PendingEntryUpdates pendingUpdates, DeliveryTarget target) {
		this.settings = settings;
		this.connections = connections;
		this.provisioner = provisioner;
		this.codec = codec;
		this.retryTemplate = retryTemplate;
		this.failures = failures;
		this.idempotency = idempotency;
		this.scheduler = scheduler;
		this.metrics = metrics;
		this.pendingUpdates = pendingUpdates;
		this.target = target;
		this.leaseKeeper = new LeaseKeeper(pendingUpdates, entryLeaseTime(settings));
		this.executor = new SimpleAsyncTaskExecutor("redis-stream-" + settings.bindingName() + "-");
	}

	/**
	 * How long an entry in hand may look idle before another consumer takes it: claim-idle-time, or, on a partition
	 * (whose new owner takes its predecessor's entries once idle for the takeover time), the shorter of the two.
	 * The lease keeper renews every third of it.
	 */
	private static Duration entryLeaseTime(ConsumerSettings settings) {
		Duration claimIdleTime = settings.redis().getClaimIdleTime();
		Duration takeover = settings.takeoverIdleTime();
		return (takeover != null && takeover.compareTo(claimIdleTime) < 0) ? takeover : claimIdleTime;
	}

	/**
	 * Where the consumer loops run: each takes a thread for as long as the binding runs. By default a new
	 * thread per loop, named after the binding.
	 * @param executor an executor with a thread for each concurrency slot, and, with manual acknowledgement,
	 * for the settlements an application makes on a Lettuce I/O thread
	 */
	public void setTaskExecutor(TaskExecutor executor) {
		this.executor = executor;
	}

	/**
	 * With partitions shared dynamically: whether the partition's lease is surely valid for at least the time
	 * given (asked before each read, and before each entry of a batch); set before {@link #start()}.
	 */
	public void setReadPermit(Predicate<Duration> readPermit) {
		this.readPermit = readPermit;
	}

	public ConsumerSettings getSettings() {
		return this.settings;
	}

	@Override
	public int expectedConsumers() {
		return this.settings.consumerNames().size();
	}

	@Override
	public int liveConsumers() {
		return (int) this.loops.stream().filter(ConsumerLoop::isAlive).count();
	}

	@Override
	public int consumersInOutage() {
		return (int) this.loops.stream().filter(ConsumerLoop::inOutage).count();
	}

	/**
	 * Starts one loop per consumer name; a loop whose predecessor under the same name still runs a handler
	 * waits for it before it reads.
	 */
	@Override
	public void start() {
		synchronized (this.lifecycle) {
			startLoops();
		}
	}

	private void startLoops() {
		this.stopping = false;
		StreamCommands shared = this.connections.shared();
		EntryProcessor processor = new EntryProcessor(this.settings, this.codec, this.retryTemplate, this.target,
				this.failures, this.idempotency, shared, this.metrics, this.connections.isCluster());
		List<ConsumerLoop> previous = List.copyOf(this.loops);
		previous.stream().filter(ConsumerLoop::isAlive).forEach(this.lingering::add);
		this.loops.clear();
		for (String consumer : this.settings.consumerNames()) {
			Set<String> held = this.leaseKeeper.register(consumer);
			AckBatcher acks = new AckBatcher(shared, this.settings.stream(), this.settings.group(), consumer,
					(this.idempotency != null) ? this.idempotency.ttl() : null, this.metrics, held,
					(delivery, cause) -> processor.writesFailed(delivery, consumer, cause));
			PendingEntryRecovery recovery = new PendingEntryRecovery(consumer, this.settings.redis().getClaimIdleTime(),
					this.settings.redis().getClaimBatchSize(), this.metrics, this.pendingUpdates);
			ConsumerLoop predecessor = previous.stream()
				.filter((loop) -> loop.consumer().equals(consumer) && loop.isAlive())
				.findFirst()
				.orElse(null);
			ManualSettlement manual = (this.settings.redis().getAckMode() == AckMode.MANUAL)
					? new ManualSettlement(consumer, acks, held,
							new UnacknowledgedEntries(this.settings.redis().getMaxUnacknowledged()), processor, this.executor)
					: null;
			ConsumerLoop loop = new ConsumerLoop(this.settings, consumer, this.connections, this.provisioner, processor,
					acks, this.leaseKeeper, recovery, this.pendingUpdates, predecessor, this::loopFinished, manual);
			loop.setReadPermit(this.readPermit);
			if (this.paused) {
				loop.pauseReading();
			}
			this.loops.add(loop);
			this.executor.execute(loop);
		}
		this.leaseKeeper.start(this.scheduler);
		this.janitor = new ConsumerJanitor(shared, this.settings.stream(), this.settings.group(),
				Set.copyOf(this.settings.consumerNames()), this.settings.redis().getConsumerExpiry());
		this.janitor.start(this.scheduler);
		if (logger.isInfoEnabled()) {
			logger.info("Started " + this.loops.size() + " consumer(s) " + this.settings.consumerNames() + " for "
					+ this.settings.describe());
		}
	}

	/**
	 * Stops reading, lets each consumer finish the entry in hand (at most {@code shutdown-timeout}) and hands
	 * the rest back. A handler still running after that keeps its leases until it returns, so that its
	 * entry is not taken over and run twice at once.
	 */
	@Override
	public void stop() {
		synchronized (this.lifecycle) {
			this.stopping = true;
		}
		if (this.janitor != null) {
			this.janitor.stop();
		}
		this.loops.forEach(ConsumerLoop::stop);
		// a loop still reading after block-timeout cannot reach Redis: fail its read instead of waiting
		awaitLoops(this.settings.redis().getBlockTimeout().plusMillis(500));
		this.loops.forEach(ConsumerLoop::closeReader);
		Duration timeout = this.settings.redis().getShutdownTimeout();
		long deadline = System.nanoTime() + timeout.toNanos();
		for (ConsumerLoop loop : this.loops) {
			try {
				Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
				if (!loop.awaitFinished(left)) {
					logger.warn("Consumer '" + loop.consumer() + "' of " + this.settings.describe() + " is still "
							+ "processing after shutdown-timeout " + timeout + "; it keeps the lease of the entry in "
							+ "its handler until the handler returns, and hands the rest of its batch back now");
					handBackUnstarted(loop);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		loopFinished();
	}

	private void handBackUnstarted(ConsumerLoop loop) {
		try {
			loop.handBackUnstarted();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not hand back the unstarted entries of consumer '" + loop.consumer() + "' of "
					+ this.settings.describe() + "; they are delivered again once its handler returns or after "
					+ "claim-idle-time: " + ex);
		}
	}

	/**
	 * Runs the task once the binding is stopped and none of its consumers works on an entry any more: at
	 * once, or when the last of them finishes.
	 * @param task e.g. giving the consumer names back, which a new binding must not reuse while a handler
	 * still runs under them
	 */
	@Override
	public void whenFinished(Runnable task) {
		synchronized (this.lifecycle) {
			if (this.stopping && noLoopAlive()) {
				task.run();
			}
			else {
				this.onFinished.add(task);
			}
		}
	}

	/**
	 * Stops renewing leases once the binding is stopped and no consumer of it works on an entry any more.
	 */
	private void loopFinished() {
		synchronized (this.lifecycle) {
			if (this.stopping && noLoopAlive()) {
				this.leaseKeeper.stop();
				this.onFinished.forEach(Runnable::run);
				this.onFinished.clear();
			}
		}
	}

	private boolean noLoopAlive() {
		this.lingering.removeIf((loop) -> !loop.isAlive());
		return this.loops.stream().noneMatch(ConsumerLoop::isAlive) && this.lingering.isEmpty();
	}

	private void awaitLoops(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			for (ConsumerLoop loop : this.loops) {
				loop.awaitFinished(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Stops reading new entries (the {@code PAUSED} state of the bindings actuator endpoint). Entries already
	 * fetched are finished and acknowledged first, so no entry waits on a paused instance (with manual
	 * acknowledgement, entries the application has not settled yet keep waiting for it, leased).
	 */
	@Override
	public void pause() {
		this.paused = true;
		this.loops.forEach(ConsumerLoop::pauseReading);
	}

	@Override
	public void resume() {
		this.paused = false;
		this.loops.forEach(ConsumerLoop::resume);
	}

	/**
	 * Whether every consumer of the binding has actually stopped reading, which may take up to
	 * {@code block-timeout} (plus the current batch) after {@link #pause()}.
	 */
	@Override
	public boolean isPaused() {
		return this.paused && this.loops.stream().allMatch(ConsumerLoop::isParked);
	}

}
