package io.github.redisstreams.binder.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

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
 * <p>
 * A {@code WAIT} that Lettuce sent again after a reconnection, possibly to another master, confirms nothing about
 * the writes of the lost connection: those fail.
 */
public final class ReplicaAcknowledgment {

	/** Confirms nothing: a write counts as sent when the master acknowledged it. */
	public static final ReplicaAcknowledgment NONE = new ReplicaAcknowledgment(null, 0, Duration.ZERO);

	private final StreamCommands commands;

	private final int replicas;

	private final Duration timeout;

	/** Writes sent since the last WAIT was sent, waiting for the next one. */
	private List<Waiting> waiting = new ArrayList<>();

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
	 * Sends a write and returns its reply, completed only once enough replicas have it.
	 * @param write sends the write on the connection of this acknowledgment and returns its reply from the master
	 * @return the same reply, confirmed by the replicas, or failed with a {@link ReplicasDidNotConfirmException}
	 * (also when the connection was lost before the replicas confirmed). Cancelling it cancels the write.
	 */
	public <T> CompletableFuture<T> confirm(Supplier<CompletableFuture<T>> write) {
		if (this == NONE) {
			return write.get();
		}
		// read before the write is sent: a reconnection between the two makes the write unconfirmable
		long generation = this.commands.generation();
		CompletableFuture<T> written = write.get();
		CompletableFuture<Void> replicated = new CompletableFuture<>();
		synchronized (this) {
			this.waiting.add(new Waiting(generation, replicated));
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
		List<Waiting> batch = this.waiting;
		this.waiting = new ArrayList<>();
		this.waitInFlight = true;
		CompletableFuture<Long> reply;
		try {
			reply = this.commands.waitAsync(this.replicas, this.timeout).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			this.waitInFlight = false;
			batch.forEach((write) -> write.replicated().completeExceptionally(ex));
			return;
		}
		reply.whenComplete((count, ex) -> {
			long generation = this.commands.generation();
			for (Waiting write : batch) {
				if (ex != null) {
					write.replicated().completeExceptionally(ex);
				}
				else if (write.generation() != generation) {
					// the WAIT was sent again after a reconnection, maybe to another master: it proves nothing
					write.replicated().completeExceptionally(new ReplicasDidNotConfirmException(
							"the connection to Redis was lost before the replicas confirmed it"));
				}
				else if (count < this.replicas) {
					write.replicated().completeExceptionally(new ReplicasDidNotConfirmException("only " + count
							+ " of the " + this.replicas + " replicas required by wait-for-replicas confirmed it within "
							+ "wait-timeout " + this.timeout));
				}
				else {
					write.replicated().complete(null);
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

	/** A write waiting for the next WAIT, and the generation of the connection it was sent in. */
	private record Waiting(long generation, CompletableFuture<Void> replicated) {
	}

	/**
	 * Fewer replicas than {@code wait-for-replicas} confirmed a write within {@code wait-timeout}. The master stored
	 * it: it is consumed unless the master fails before a replica receives it.
	 */
	public static final class ReplicasDidNotConfirmException extends RedisException {

		ReplicasDidNotConfirmException(String why) {
			super("Possibly stored on the master, but " + why + ": it may be lost if the master fails before a "
					+ "replica has it (sending it again may store it twice)");
		}

	}

}
