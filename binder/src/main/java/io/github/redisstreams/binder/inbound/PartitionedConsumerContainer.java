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
		synchronized (this.lifecycle) {
			this.stopped = false;
		}
		this.balancer.start("redis-stream-" + this.settings.bindingName() + "-partitions");
	}

	/**
	 * Stops every partition's consumer (each finishing its entry in hand), then gives the leases up and leaves
	 * the group, so that the other instances take the partitions at once.
	 */
	@Override
	public void stop() {
		synchronized (this.lifecycle) {
			this.stopped = true;
		}
		this.balancer.stopTaking();
		List<StreamConsumerContainer> all = new ArrayList<>(this.running.values());
		this.running.clear();
		all.addAll(this.finishing.values());
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
		whenAllFinished(all, () -> {
			// the leases are kept while a handler that outlived shutdown-timeout still runs; a binding started
			// again meanwhile keeps them
			synchronized (this.lifecycle) {
				if (!this.stopped) {
					return;
				}
			}
			this.balancer.stop();
			runOnFinished();
		});
	}

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
					task.run();
				}
			});
		}
	}

	private void runOnFinished() {
		List<Runnable> tasks;
		synchronized (this.lifecycle) {
			tasks = new ArrayList<>(this.onFinished);
			this.onFinished.clear();
			this.finishing.clear();
		}
		tasks.forEach(Runnable::run);
	}

	@Override
	public void whenFinished(Runnable task) {
		synchronized (this.lifecycle) {
			if (this.stopped && this.running.isEmpty() && this.finishing.isEmpty()) {
				task.run();
				return;
			}
			this.onFinished.add(task);
		}
	}

	@Override
	public void start(int partition) {
		synchronized (this.lifecycle) {
			if (this.stopped) {
				return;
			}
			StreamConsumerContainer container = this.partitionConsumers.apply(partition);
			this.running.put(partition, container);
			StreamConsumerContainer previous = this.finishing.get(partition);
			if (previous == null) {
				startPartition(container);
			}
			else {
				// the same consumer name: it would resume the entries its predecessor still works on
				previous.whenFinished(() -> {
					synchronized (this.lifecycle) {
						if (this.running.get(partition) == container) {
							startPartition(container);
						}
					}
				});
			}
		}
	}

	private void startPartition(StreamConsumerContainer container) {
		if (this.paused) {
			container.pause();
		}
		container.start();
	}

	@Override
	public void handOver(int partition, Runnable released) {
		StreamConsumerContainer container = this.running.remove(partition);
		if (container == null) {
			released.run();
			return;
		}
		this.finishing.put(partition, container);
		this.stopper.execute(() -> {
			container.stop();
			container.whenFinished(() -> {
				this.finishing.remove(partition, container);
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
		StreamConsumerContainer container = this.running.remove(partition);
		if (container == null) {
			return;
		}
		this.finishing.put(partition, container);
		this.stopper.execute(() -> {
			container.stop();
			container.whenFinished(() -> this.finishing.remove(partition, container));
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
