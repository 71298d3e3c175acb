package io.github.redisstreams.binder.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisException;

import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * Holds each write of a producer binding back until enough replicas have it ({@code wait-for-replicas}), so that a
 * failover cannot lose a write the sender was told about.
 * <p>
 * {@code WAIT} counts the replicas that have received every write the connection made before it, so one
 * {@code WAIT} confirms all the writes sent before it: at most one is in flight, and the writes made while it
 * blocks are confirmed together by the next one. That costs no round trip per message, but a {@code WAIT} blocks
 * the whole connection: the other commands of the binder's shared connection wait behind it, normally for the
 * replication delay, at worst for {@code wait-timeout} when a replica lags or is gone. It also confirms the
 * writes the other bindings made on the same connection before it, which only makes their writes safer.
 */
public final class ReplicaAcknowledgment {

	/** Confirms nothing: a write counts as sent when the master acknowledged it. */
	public static final ReplicaAcknowledgment NONE = new ReplicaAcknowledgment(null, 0, Duration.ZERO);

	private final StreamCommands commands;

	private final int replicas;

	private final Duration timeout;

	/** Writes sent since the last WAIT was sent, waiting for the next one. */
	private List<CompletableFuture<Void>> waiting = new ArrayList<>();

	private boolean waitInFlight;

	private ReplicaAcknowledgment(StreamCommands commands, int replicas, Duration timeout) {
		this.commands = commands;
		this.replicas = replicas;
		this.timeout = timeout;
	}

	/**
	 * @param commands the connection the producer writes on (WAIT must go on the connection that wrote)
	 * @param replicas {@code wait-for-replicas}; 0 for {@link #NONE}
	 * @param timeout {@code wait-timeout}
	 */
	public static ReplicaAcknowledgment of(StreamCommands commands, int replicas, Duration timeout) {
		return (replicas > 0) ? new ReplicaAcknowledgment(commands, replicas, timeout) : NONE;
	}

	/**
	 * Refuses {@code wait-for-replicas} on Redis Cluster, where a keyless WAIT on the cluster connection would reach
	 * any node rather than the one that stored the write.
	 * @param replicas {@code wait-for-replicas}
	 * @param cluster whether Redis is a cluster
	 * @param property the full name of {@code wait-for-replicas}, for the error
	 */
	public static void checkSupported(int replicas, boolean cluster, String property) {
		if (replicas > 0 && cluster) {
			throw new IllegalStateException(property + " is not supported on Redis Cluster: remove it, or use "
					+ "min-replicas-to-write on the masters (see the failover section of docs/recovery.md)");
		}
	}

	/**
	 * The reply of a write, completed only once enough replicas have it. Call it right after sending the write,
	 * so that the next WAIT is sent after it. Cancelling the returned future cancels the write.
	 * @param written the write's reply from the master
	 * @return the same reply, confirmed by the replicas, or failed with a {@link ReplicasDidNotConfirmException}
	 */
	public <T> CompletableFuture<T> confirm(CompletableFuture<T> written) {
		if (this == NONE) {
			return written;
		}
		CompletableFuture<Void> replicated = new CompletableFuture<>();
		synchronized (this) {
			this.waiting.add(replicated);
			if (!this.waitInFlight) {
				sendWait();
			}
		}
		CompletableFuture<T> confirmed = written.thenCombine(replicated, (reply, ignored) -> reply);
		confirmed.whenComplete((reply, ex) -> {
			if (ex instanceof CancellationException) {
				written.cancel(false);
			}
		});
		return confirmed;
	}

	/** Sends one WAIT for every write waiting; called holding the lock, so that no write slips past it. */
	private void sendWait() {
		List<CompletableFuture<Void>> batch = this.waiting;
		this.waiting = new ArrayList<>();
		this.waitInFlight = true;
		CompletableFuture<Long> reply;
		try {
			reply = this.commands.waitAsync(this.replicas, this.timeout).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			this.waitInFlight = false;
			batch.forEach((write) -> write.completeExceptionally(ex));
			return;
		}
		reply.whenComplete((count, ex) -> {
			for (CompletableFuture<Void> write : batch) {
				if (ex != null) {
					write.completeExceptionally(ex);
				}
				else if (count < this.replicas) {
					write.completeExceptionally(new ReplicasDidNotConfirmException(count, this.replicas, this.timeout));
				}
				else {
					write.complete(null);
				}
			}
			synchronized (this) {
				this.waitInFlight = false;
				if (!this.waiting.isEmpty()) {
					sendWait();
				}
			}
		});
	}

	/**
	 * Fewer replicas than {@code wait-for-replicas} confirmed a write within {@code wait-timeout}. The master stored
	 * it: it is consumed unless the master fails before a replica receives it.
	 */
	public static final class ReplicasDidNotConfirmException extends RedisException {

		ReplicasDidNotConfirmException(long confirmed, int required, Duration timeout) {
			super("Stored on the master, but only " + confirmed + " of the " + required
					+ " replicas required by wait-for-replicas confirmed it within wait-timeout " + timeout
					+ ": it may be lost if the master fails before a replica has it (sending it again may store it twice)");
		}

	}

}
