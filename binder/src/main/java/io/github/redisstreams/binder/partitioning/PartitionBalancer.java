package io.github.redisstreams.binder.partitioning;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.support.StreamKeys;

/**
 * Shares the partitions of a destination among the live instances of a group, from one instance's side. Every
 * third of the lease time it
 * <ol>
 * <li>beats in the group's member list and learns the live members;</li>
 * <li>renews the leases of the partitions it holds; a lease it cannot renew (expired) is lost, and the
 * partition's consumer is stopped at once;</li>
 * <li>computes its fair share ({@link FairShare}); above it, hands partitions over cooperatively (their consumer
 * stops reading, finishes and acknowledges what it holds, then the lease is released); below it, takes free
 * partitions ({@code SET NX PX}) and starts their consumers.</li>
 * </ol>
 * The first run only joins, so that instances started together see each other before they take anything. The
 * runs have a thread of their own (not a daemon: like the consumers' threads, it keeps an application without a web
 * server alive while partitions are to be read), so that no other periodic work delays a renewal. Redis
 * being unreachable does not stop the partitions held: their consumers cannot read either, and the leases are
 * given up once the lease time has passed without a renewal.
 */
public class PartitionBalancer {

	private static final Log logger = LogFactory.getLog(PartitionBalancer.class);

	/** Room left between the end of a read and the earliest expiry of the lease. */
	private static final long READ_MARGIN_NANOS = 50_000_000;

	private final String stream;

	private final String group;

	private final int partitionCount;

	private final String member;

	private final PartitionLeases leases;

	private final GroupMembership membership;

	private final Duration leaseTime;

	private final ConsumerMetrics metrics;

	private final PartitionConsumers consumers;

	/** The partitions this instance holds the lease of, and whether each is being handed over. */
	private final Map<Integer, Holding> held = new TreeMap<>();

	private List<String> members = List.of();

	/**
	 * Until when ({@link System#nanoTime()}) each held lease is known to be valid: the time its last take or renewal
	 * was sent, plus the lease time. Read by the partitions' consumers before each read, without a lock.
	 */
	private final Map<Integer, Long> validUntil = new ConcurrentHashMap<>();

	private Thread runner;

	private boolean running;

	private boolean joined;

	private boolean taking = true;

	private boolean failing;

	/** What {@link #ownership()} reports: set under the lock after each change, read without it. */
	private volatile Ownership ownership;

	/**
	 * The latest start or stop of the binding this balancer heard of: a call of an earlier one, late (a stop that
	 * finished after the binding was started again), changes nothing.
	 */
	private long generation;

	/**
	 * @param stream the destination's stream key (partition {@code p} is {@code <stream>-<p>})
	 * @param member this instance's name in the group
	 */
	public PartitionBalancer(String stream, String group, int partitionCount, String member, PartitionLeases leases,
			GroupMembership membership, Duration leaseTime, ConsumerMetrics metrics, PartitionConsumers consumers) {
		this.stream = stream;
		this.group = group;
		this.partitionCount = partitionCount;
		this.member = member;
		this.leases = leases;
		this.membership = membership;
		this.leaseTime = leaseTime;
		this.metrics = metrics;
		this.consumers = consumers;
		this.ownership = new Ownership(member, leases.token(), List.of(), partitionCount, 0, List.of(), List.of());
	}

	public String member() {
		return this.member;
	}

	public int partitionCount() {
		return this.partitionCount;
	}

	public String partitionStream(int partition) {
		return StreamKeys.partition(this.stream, partition);
	}

	/**
	 * Runs the balancing every third of the lease time, from now, on a thread of its own.
	 * @param threadName the thread's name
	 * @param generation the start's place among the binding's starts and stops (ascending)
	 */
	public synchronized void start(String threadName, long generation) {
		if (!isCurrent(generation)) {
			return;
		}
		this.taking = true;
		if (this.runner == null) {
			this.running = true;
			this.runner = new Thread(this::run, threadName);
			this.runner.start();
		}
	}

	private void run() {
		long interval = this.leaseTime.toMillis() / 3;
		long next = System.nanoTime();
		while (isRunning()) {
			balance();
			next += interval * 1_000_000;
			synchronized (this) {
				long wait;
				while (this.running && (wait = (next - System.nanoTime()) / 1_000_000) > 0) {
					try {
						wait(wait);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						this.running = false;
					}
				}
			}
			if (System.nanoTime() - next > interval * 1_000_000) {
				// a run took longer than the interval (Redis slow): start counting again from now
				next = System.nanoTime();
			}
		}
	}

	private synchronized boolean isRunning() {
		return this.running;
	}

	/**
	 * Whether a call of this start or stop of the binding is still to be followed (none later was heard of).
	 */
	private boolean isCurrent(long generation) {
		if (generation < this.generation) {
			return false;
		}
		this.generation = generation;
		return true;
	}

	/**
	 * Starts the consumers of the partitions still held (a binding started again before its stop gave them up).
	 */
	public void restartHeld() {
		List<Integer> partitions;
		synchronized (this) {
			partitions = this.held.entrySet()
				.stream()
				.filter((entry) -> !entry.getValue().handingOver)
				.map(Map.Entry::getKey)
				.toList();
		}
		partitions.forEach(this.consumers::start);
	}

	/**
	 * Takes no more partitions and hands none over; keeps renewing the leases held until {@link #stop}.
	 * @param generation the stop's place among the binding's starts and stops: ignored after a later start
	 */
	public synchronized void stopTaking(long generation) {
		if (isCurrent(generation)) {
			this.taking = false;
		}
	}

	/**
	 * Gives every lease up and leaves the group, so that the others share the partitions at their next run.
	 * Called once the partitions' consumers have finished. Under the lock, so that a start cannot take a
	 * partition again between the release of its lease and the end of this stop.
	 * @param generation the stop's place among the binding's starts and stops: ignored after a later start
	 */
	public synchronized void stop(long generation) {
		if (!isCurrent(generation)) {
			return;
		}
		this.taking = false;
		this.running = false;
		this.runner = null;
		notifyAll();
		List<Integer> partitions = new ArrayList<>(this.held.keySet());
		this.held.clear();
		this.validUntil.clear();
		this.joined = false;
		publishOwnership();
		try {
			for (int partition : partitions) {
				this.leases.release(partitionStream(partition));
				this.metrics.partitionOwnershipChanged("released");
			}
			this.membership.leave(this.member);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not give up the partitions " + partitions + " of stream '" + this.stream + "' (group '"
					+ this.group + "'): the other instances take them over once their leases expire, within "
					+ this.leaseTime + ": " + ex);
		}
	}

	/**
	 * One run: beat, renew, then take or hand over partitions to reach the fair share.
	 */
	public synchronized void balance() {
		try {
			balanceOnce();
		}
		finally {
			publishOwnership();
		}
	}

	private void balanceOnce() {
		try {
			this.members = this.membership.beat(this.member);
			renewAll();
			if (this.failing) {
				this.failing = false;
				logger.info("Partition ownership of " + describe() + " works again");
			}
		}
		catch (RuntimeException ex) {
			// must not escape: it would cancel the periodic task
			if (!this.failing) {
				this.failing = true;
				logger.warn("Could not renew the partition ownership of " + describe() + "; the partitions held are "
						+ "given up if this lasts " + this.leaseTime + ": " + ex);
			}
			dropExpired();
			return;
		}
		if (!this.joined) {
			// joined now: the next run takes, once the instances started together have all joined
			this.joined = true;
			return;
		}
		if (this.taking) {
			try {
				rebalance();
			}
			catch (RuntimeException ex) {
				logger.warn("Could not take partitions for " + describe() + ": " + ex);
			}
		}
	}

	private void renewAll() {
		for (Map.Entry<Integer, Holding> entry : new ArrayList<>(this.held.entrySet())) {
			int partition = entry.getKey();
			long sentAt = System.nanoTime();
			if (this.leases.renew(partitionStream(partition))) {
				entry.getValue().renewedAt = sentAt;
				this.validUntil.put(partition, sentAt + this.leaseTime.toNanos());
			}
			else {
				lost(partition, "its lease expired before it was renewed");
			}
		}
	}

	private void dropExpired() {
		long now = System.nanoTime();
		for (Map.Entry<Integer, Holding> entry : new ArrayList<>(this.held.entrySet())) {
			if (now - entry.getValue().renewedAt > this.leaseTime.toNanos()) {
				lost(entry.getKey(), "its lease could not be renewed for " + this.leaseTime);
			}
		}
	}

	private void lost(int partition, String why) {
		this.held.remove(partition);
		this.validUntil.remove(partition);
		logger.warn(this.member + " lost partition " + partition + " of " + describe() + ": " + why
				+ "; it stops reading it, and another instance takes it over");
		this.metrics.partitionOwnershipChanged("lost");
		this.consumers.revoke(partition);
	}

	private void rebalance() {
		int share = FairShare.of(this.partitionCount, this.members, this.member);
		List<Integer> reading = this.held.entrySet()
			.stream()
			.filter((entry) -> !entry.getValue().handingOver)
			.map(Map.Entry::getKey)
			.toList();
		if (reading.size() > share) {
			// the partitions furthest from this member's preferred slice go first
			List<Integer> order = new ArrayList<>(FairShare.preferredOrder(this.partitionCount, this.members, this.member));
			order.retainAll(reading);
			for (int partition : order.subList(share, order.size())) {
				handOver(partition);
			}
			return;
		}
		for (int partition : FairShare.preferredOrder(this.partitionCount, this.members, this.member)) {
			if (this.held.size() >= share) {
				return;
			}
			if (this.held.containsKey(partition)) {
				continue;
			}
			long sentAt = System.nanoTime();
			if (this.leases.take(partitionStream(partition))) {
				this.held.put(partition, new Holding(sentAt));
				this.validUntil.put(partition, sentAt + this.leaseTime.toNanos());
				if (logger.isInfoEnabled()) {
					logger.info(this.member + " took partition " + partition + " of " + describe() + " (share " + share
							+ " of " + this.partitionCount + " among " + this.members.size() + " members)");
				}
				this.metrics.partitionOwnershipChanged("taken");
				this.consumers.start(partition);
			}
		}
	}

	private void handOver(int partition) {
		this.held.get(partition).handingOver = true;
		if (logger.isInfoEnabled()) {
			logger.info(this.member + " hands partition " + partition + " of " + describe() + " over ("
					+ this.members.size() + " members now)");
		}
		this.consumers.handOver(partition, () -> released(partition));
	}

	/**
	 * The lease is deleted under the lock, before the partition leaves {@code held}: a run in between would take
	 * it again under the same token, and the delete landing after that take would free a partition read here.
	 */
	private synchronized void released(int partition) {
		Holding holding = this.held.get(partition);
		if (holding == null || !holding.handingOver) {
			return;
		}
		try {
			this.leases.release(partitionStream(partition));
			this.metrics.partitionOwnershipChanged("handed-over");
		}
		catch (RuntimeException ex) {
			logger.warn("Could not release partition " + partition + " of " + describe() + "; another instance takes "
					+ "it over once its lease expires, within " + this.leaseTime + ": " + ex);
		}
		finally {
			this.held.remove(partition);
			this.validUntil.remove(partition);
			publishOwnership();
		}
	}

	/**
	 * Whether a read of the partition that blocks for up to {@code blockTimeout} ends while this instance's lease
	 * is surely still valid: the lease's expiry in Redis is at least the lease time after its last renewal was
	 * sent. An instance whose renewals stopped (Redis slow, the process paused) stops reading before its lease can
	 * expire, so that a new owner never reads the partition beside it. Checked before each read, without Redis.
	 */
	public boolean mayRead(int partition, Duration blockTimeout) {
		Long until = this.validUntil.get(partition);
		return until != null && System.nanoTime() + blockTimeout.toNanos() + READ_MARGIN_NANOS - until < 0;
	}

	/**
	 * What this instance sees of the ownership, for health and the actuator endpoint: as of the end of the last
	 * change, without waiting for a run under way (which may wait for Redis).
	 */
	public Ownership ownership() {
		return this.ownership;
	}

	/**
	 * Called with the lock held, after each change.
	 */
	private void publishOwnership() {
		List<Integer> owned = new ArrayList<>();
		List<Integer> handingOver = new ArrayList<>();
		this.held.forEach((partition, holding) -> (holding.handingOver ? handingOver : owned).add(partition));
		List<String> sortedMembers = new ArrayList<>(this.members);
		sortedMembers.sort(null);
		this.ownership = new Ownership(this.member, this.leases.token(), List.copyOf(sortedMembers),
				this.partitionCount, this.joined ? FairShare.of(this.partitionCount, this.members, this.member) : 0,
				List.copyOf(owned), List.copyOf(handingOver));
	}

	/**
	 * Who holds the lease of each partition, read from Redis (one call per partition: for the actuator endpoint,
	 * not for the consumers' work).
	 * @return partition to owner token, "" for a partition nobody owns
	 */
	public Map<Integer, String> owners() {
		Map<Integer, String> owners = new TreeMap<>();
		for (int partition = 0; partition < this.partitionCount; partition++) {
			owners.put(partition, this.leases.owner(partitionStream(partition)));
		}
		return owners;
	}

	private String describe() {
		return "stream '" + this.stream + "' (group '" + this.group + "')";
	}

	/**
	 * One instance's view of the partition ownership of its group.
	 *
	 * @param member this instance's member name
	 * @param token the token its leases hold
	 * @param members the live members it saw last
	 * @param partitionCount the partition count
	 * @param share the number of partitions it should own
	 * @param owned the partitions it owns and reads
	 * @param handingOver the partitions it is handing over (finishing their entries in hand)
	 */
	public record Ownership(String member, String token, List<String> members, int partitionCount, int share,
			List<Integer> owned, List<Integer> handingOver) {

	}

	private static final class Holding {

		long renewedAt;

		boolean handingOver;

		Holding(long renewedAt) {
			this.renewedAt = renewedAt;
		}

	}

}
