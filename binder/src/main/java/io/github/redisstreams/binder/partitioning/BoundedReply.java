package io.github.redisstreams.binder.partitioning;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;

/**
 * Waits for the reply of a partition ownership command for a part of the lease time only, rather than the
 * connection's command timeout (a minute by default): with Redis unreachable, the balancer must go on to give its
 * leases up in time, and health must not hang on it.
 */
final class BoundedReply {

	private BoundedReply() {
	}

	static <T> T await(CompletableFuture<T> reply, Duration timeout) {
		try {
			return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			throw new RedisCommandTimeoutException("No reply within " + timeout.toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedisCommandInterruptedException(ex);
		}
		catch (ExecutionException | CompletionException ex) {
			Throwable cause = (ex.getCause() instanceof CompletionException completion && completion.getCause() != null)
					? completion.getCause() : ex.getCause();
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new RedisException(cause);
		}
	}

}
