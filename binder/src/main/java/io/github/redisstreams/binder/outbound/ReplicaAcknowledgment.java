package io.github.redisstreams.binder.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import io.lettuce.core.RedisException;

import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * Holds each write of a producer binding back until enough replicas have it ({@code wait-for-replicas}), so that a
 * failover cannot lose a write the sender was told about.
 * <p>
 * {@code WAIT} counts the replicas that have received every write the connection made before it, so one
 * {@code WAIT} confirms all the writes sent before it: at most one is in flight, and the writes made while it
 * blocks are confirmed together by the next one. That costs no round trip per message. A {@code WAIT} blocks its
 * whole connection, so the binding writes and waits on a connection of its own: a {@code WAIT} held up to
 * {@code wait-timeout} by a lagging or lost replica delays only this binding's next writes, never the binder's
 * acknowledgements, leases or health checks on the shared connection.
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
	 * @param commands the connection of the binding's own, on which it writes and waits (WAIT counts the writes of
	 * the connection it is sent on)
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
	 * The connection the binding writes on.
	 * @param shared the binder's shared connection
	 * @return the connection of this acknowledgment, or the shared one when no replica is waited for
	 */
	public StreamCommands writesOn(StreamCommands shared) {
		return (this == NONE) ? shared : this.commands;
	}

	/**
	 * Refuses a {@code wait-timeout} that WAIT cannot honour: WAIT counts whole milliseconds and takes 0 as "for
	 * ever", and a WAIT still blocking at the command timeout fails on the client side although the replicas may
	 * confirm the write a moment later.
	 * @param replicas {@code wait-for-replicas}
	 * @param timeout {@code wait-timeout}
	 * @param commandTimeout the command timeout ({@code spring.data.redis.timeout})
	 * @param property the full name of {@code wait-timeout}, for the error
	 */
	public static void checkWaitTimeout(int replicas, Duration timeout, Duration commandTimeout, String property) {
		if (replicas > 0 && commandTimeout != null && timeout.compareTo(commandTimeout) >= 0) {
			throw new IllegalStateException(property + " " + timeout + " must be shorter than the Redis command timeout "
					+ "spring.data.redis.timeout (" + commandTimeout + "), which would otherwise fail the WAIT first");
		}
	}

	/**
	 * Sends a write and returns its reply, completed only once enough replicas have it.
	 * @param write sends the write on {@link #writesOn(StreamCommands)} and returns its reply from the master
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
		boolean send;
		synchronized (this) {
			this.waiting.add(new Waiting(generation, replicated));
			send = !this.waitInFlight;
			this.waitInFlight = true;
		}
		if (send) {
			sendWait();
		}
		CompletableFuture<T> confirmed = written.thenCombine(replicated, (reply, ignored) -> reply);
		confirmed.whenComplete((reply, ex) -> {
			if (ex instanceof CancellationException) {
				written.cancel(false);
			}
		});
		return confirmed;
	}

	/**
	 * Sends one WAIT for every write waiting. Called by the one thread that set waitInFlight; the batch is taken
	 * under the lock (a write added later was sent after this WAIT, and waits for the next one) but the WAIT is
	 * dispatched outside it: Lettuce may complete a command on its event loop while the dispatching thread holds
	 * Lettuce's own lock, and the completion below takes this lock.
	 */
	private void sendWait() {
		List<Waiting> batch;
		synchronized (this) {
			batch = this.waiting;
			this.waiting = new ArrayList<>();
		}
		CompletableFuture<Long> reply;
		try {
			reply = this.commands.waitAsync(this.replicas, this.timeout).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			batch.forEach((write) -> write.replicated().completeExceptionally(waitFailed(ex)));
			waitDone();
			return;
		}
		reply.whenComplete((count, ex) -> {
			long generation = this.commands.generation();
			for (Waiting write : batch) {
				if (ex != null) {
					write.replicated().completeExceptionally(waitFailed(ex));
				}
				else if (write.generation() != generation) {
					// the WAIT was sent again after a reconnection, maybe to another master: it proves nothing
					write.replicated().completeExceptionally(new ReplicasDidNotConfirmException(
							"the connection to Redis was lost before the replicas confirmed it", null));
				}
				else if (count < this.replicas) {
					write.replicated().completeExceptionally(new ReplicasDidNotConfirmException("only " + count
							+ " of the " + this.replicas + " replicas required by wait-for-replicas confirmed it within "
							+ "wait-timeout " + this.timeout, null));
				}
				else {
					write.replicated().complete(null);
				}
			}
			waitDone();
		});
	}

	/** Sends the next WAIT if writes came in meanwhile, else lets the next write send one. */
	private void waitDone() {
		boolean more;
		synchronized (this) {
			more = !this.waiting.isEmpty();
			this.waitInFlight = more;
		}
		if (more) {
			sendWait();
		}
	}

	/** A failure of the WAIT itself (refused, timed out, connection closed): the write may be stored all the same. */
	private static ReplicasDidNotConfirmException waitFailed(Throwable ex) {
		Throwable cause = (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
		return new ReplicasDidNotConfirmException("the WAIT that confirms it failed (" + cause + ")", cause);
	}

	/** A write waiting for the next WAIT, and the generation of the connection it was sent in. */
	private record Waiting(long generation, CompletableFuture<Void> replicated) {
	}

	/**
	 * Fewer replicas than {@code wait-for-replicas} confirmed a write within {@code wait-timeout}, or the WAIT itself
	 * failed (its cause). The master may have stored it: it is then consumed unless the master fails before a
	 * replica receives it.
	 */
	public static final class ReplicasDidNotConfirmException extends RedisException {

		ReplicasDidNotConfirmException(String why, Throwable cause) {
			super("The entry may have been written: possibly stored on the master, but " + why + ", and it may be lost "
					+ "if the master fails before a replica has it (sending it again may store it twice)", cause);
		}

	}

}
