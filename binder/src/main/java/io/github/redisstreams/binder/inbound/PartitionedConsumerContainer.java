package io.github.redisstreams.binder.inbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;

import io.github.redisstreams.binder.partitioning.PartitionBalancer;
import io.github.redisstreams.binder.partitioning.PartitionConsumers;

/**
 * Runs the consumers of a binding whose partitions are shared dynamically ({@code partition-assignment:
 * dynamic}): one {@link StreamConsumerContainer} with a single consumer for each partition this instance owns,
 * so that a partition is read by one thread in stream order, started and stopped as its
 * {@link PartitionBalancer} takes and hands over partitions.
 * <p>
 * A handed-over partition's consumer stops as a stopping binding does (the entry in hand finished and
 * acknowledged, the rest of its batch handed back), on a thread of its own; only then is its lease released. A
 * partition taken again while its previous consumer here still finishes waits for it.
 */
public class PartitionedConsumerContainer implements BindingConsumers, PartitionConsumers {

	private static final Log logger = LogFactory.getLog(PartitionedConsumerContainer.class);

	private final ConsumerSettings settings;

	private final IntFunction<StreamConsumerContainer> partitionConsumers;

	private final TaskExecutor stopper;

	private PartitionBalancer balancer;

	/** The consumers of the partitions owned now. */
	private final Map<Integer, StreamConsumerContainer> running = new ConcurrentHashMap<>();

	/** Consumers of partitions given up that may still finish an entry. */
	private final Map<Integer, StreamConsumerContainer> finishing = new ConcurrentHashMap<>();

	private final Object lifecycle = new Object();

	private final List<Runnable> onFinished = new ArrayList<>();

	private volatile boolean paused;

	private volatile boolean stopped = true;

	/** Counts the starts and stops, so that the balancer ignores a stop that ends after a later start. */
	private long generation;

	/**
	 * @param settings the binding's settings (its destination's stream, its member name as only consumer name)
	 * @param partitionConsumers makes the consumer container of one partition
	 */
	public PartitionedConsumerContainer(ConsumerSettings settings,
			IntFunction<StreamConsumerContainer> partitionConsumers) {
		this.settings = settings;
		this.partitionConsumers = partitionConsumers;
		this.stopper = new SimpleAsyncTaskExecutor("redis-stream-" + settings.bindingName() + "-handover-");
	}

	/**
	 * The balancer that decides which partitions this instance reads; set once, before {@link #start()}.
	 */
	public void setBalancer(PartitionBalancer balancer) {
		this.balancer = balancer;
	}

	public PartitionBalancer getBalancer() {
		return this.balancer;
	}

	@Override
	public void start() {
		long started;
		synchronized (this.lifecycle) {
			this.stopped = false;
			started = ++this.generation;
		}
		this.balancer.start("redis-stream-" + this.settings.bindingName() + "-partitions", started);
		// started again before the last stop gave the leases up: read the partitions still held
		this.balancer.restartHeld();
	}

	/**
	 * Stops every partition's consumer (each finishing its entry in hand), then gives the leases up and leaves
	 * the group, so that the other instances take the partitions at once.
	 */
	@Override
	public void stop() {
		List<StreamConsumerContainer> all;
		long stop;
		synchronized (this.lifecycle) {
			this.stopped = true;
			stop = ++this.generation;
			// a start before they finished waits for them (same consumer names)
			this.finishing.putAll(this.running);
			this.running.clear();
			all = new ArrayList<>(this.finishing.values());
		}
		this.balancer.stopTaking(stop);
		CountDownLatch stopped = new CountDownLatch(all.size());
		for (StreamConsumerContainer container : all) {
			// in parallel: each may take up to shutdown-timeout
			this.stopper.execute(() -> {
				try {
					container.stop();
				}
				finally {
					stopped.countDown();
				}
			});
		}
		try {
			stopped.await(this.settings.redis().getShutdownTimeout().plus(this.settings.redis().getBlockTimeout())
				.plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		whenAllFinished(all, () -> stopped(stop));
	}

	/**
	 * Every consumer of the stopped binding has finished (a handler that outlived shutdown-timeout included): the
	 * leases are given up, unless the binding was started again meanwhile.
	 */
	private void stopped(long stop) {
		List<Runnable> tasks;
		synchronized (this.lifecycle) {
			if (!this.stopped || this.generation != stop) {
				return;
			}
			this.finishing.clear();
			tasks = new ArrayList<>(this.onFinished);
			this.onFinished.clear();
		}
		// a start after the check above makes the balancer ignore this stop
		this.balancer.stop(stop);
		tasks.forEach(Runnable::run);
	}

	/**
	 * Runs the task on a thread of its own once all the containers have finished. Never on the thread that
	 * reports a container finished, which holds that container's lock: this container's lock is only ever taken
	 * before a partition container's, never after.
	 */
	private void whenAllFinished(List<StreamConsumerContainer> containers, Runnable task) {
		if (containers.isEmpty()) {
			task.run();
			return;
		}
		CountDownLatch left = new CountDownLatch(containers.size());
		for (StreamConsumerContainer container : containers) {
			container.whenFinished(() -> {
				left.countDown();
				if (left.getCount() == 0) {
					this.stopper.execute(task);
				}
			});
		}
	}

	@Override
	public void whenFinished(Runnable task) {
		synchronized (this.lifecycle) {
			if (!this.stopped || !this.running.isEmpty() || !this.finishing.isEmpty()) {
				this.onFinished.add(task);
				return;
			}
		}
		task.run();
	}

	@Override
	public void start(int partition) {
		synchronized (this.lifecycle) {
			if (this.stopped || this.running.containsKey(partition)) {
				return;
			}
			StreamConsumerContainer container = this.partitionConsumers.apply(partition);
			this.running.put(partition, container);
			StreamConsumerContainer previous = this.finishing.get(partition);
			if (previous == null) {
				startPartition(container);
				return;
			}
			// the same consumer name: it would resume the entries its predecessor still works on
			whenAllFinished(List.of(previous), () -> {
				synchronized (this.lifecycle) {
					this.finishing.remove(partition, previous);
					if (this.running.get(partition) == container) {
						startPartition(container);
					}
				}
			});
		}
	}

	/**
	 * Called with the lock held, so that a stop cannot come between the check that the partition is still
	 * this container's and the start of its consumer.
	 */
	private void startPartition(StreamConsumerContainer container) {
		if (this.paused) {
			container.pause();
		}
		container.start();
	}

	@Override
	public void handOver(int partition, Runnable released) {
		StreamConsumerContainer container;
		synchronized (this.lifecycle) {
			container = this.running.remove(partition);
			if (container != null) {
				this.finishing.put(partition, container);
			}
		}
		if (container == null) {
			released.run();
			return;
		}
		this.stopper.execute(() -> {
			container.stop();
			whenAllFinished(List.of(container), () -> {
				synchronized (this.lifecycle) {
					this.finishing.remove(partition, container);
				}
				released.run();
				if (logger.isInfoEnabled()) {
					logger.info("Partition " + partition + " of " + this.settings.describe() + " handed over: its "
							+ "entries in hand were finished and acknowledged");
				}
			});
		});
	}

	@Override
	public void revoke(int partition) {
		StreamConsumerContainer container;
		synchronized (this.lifecycle) {
			container = this.running.remove(partition);
			if (container == null) {
				return;
			}
			this.finishing.put(partition, container);
		}
		this.stopper.execute(() -> {
			container.stop();
			whenAllFinished(List.of(container), () -> {
				synchronized (this.lifecycle) {
					this.finishing.remove(partition, container);
				}
			});
		});
	}

	@Override
	public void pause() {
		this.paused = true;
		this.running.values().forEach(StreamConsumerContainer::pause);
	}

	@Override
	public void resume() {
		this.paused = false;
		this.running.values().forEach(StreamConsumerContainer::resume);
	}

	@Override
	public boolean isPaused() {
		return this.paused && this.running.values().stream().allMatch(StreamConsumerContainer::isPaused);
	}

	@Override
	public int expectedConsumers() {
		return this.running.size();
	}

	@Override
	public int liveConsumers() {
		return this.running.values().stream().mapToInt(StreamConsumerContainer::liveConsumers).sum();
	}

	@Override
	public int consumersInOutage() {
		return this.running.values().stream().mapToInt(StreamConsumerContainer::consumersInOutage).sum();
	}

	/**
	 * The partitions whose consumers run here now.
	 */
	public List<Integer> runningPartitions() {
		return this.running.keySet().stream().sorted().toList();
	}

}
