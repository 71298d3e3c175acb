package io.github.redisstreams.binder.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The writes a handler makes through this binder while it processes one inbound entry (a function's
 * output, a {@code StreamBridge.send} on the handler's thread), so that the entry is acknowledged only
 * after Redis confirmed every one of them: a processor must never acknowledge its input while its output
 * could still be refused. Producers record their pending replies here; the consumer that runs the handler
 * collects them. Bound to the handler's thread: writes made on other threads are not seen.
 */
public final class HandlerWrites {

	private static final ThreadLocal<List<CompletableFuture<?>>> CURRENT = new ThreadLocal<>();

	private HandlerWrites() {
	}

	/**
	 * Starts recording the writes of the current thread (again, for each attempt of a handler).
	 */
	public static void begin() {
		CURRENT.set(new ArrayList<>(2));
	}

	/**
	 * Stops recording.
	 * @return the replies of the writes made since {@link #begin()}, empty when none
	 */
	public static List<CompletableFuture<?>> end() {
		List<CompletableFuture<?>> writes = CURRENT.get();
		CURRENT.remove();
		return (writes != null) ? writes : List.of();
	}

	/**
	 * Records a write's reply, when the current thread is running a handler.
	 * @param reply completes when Redis confirmed the write, exceptionally when it refused it
	 */
	public static void record(CompletableFuture<?> reply) {
		List<CompletableFuture<?>> writes = CURRENT.get();
		if (writes != null) {
			writes.add(reply);
		}
	}

}
