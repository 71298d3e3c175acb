package io.github.redisstreams.binder.inbound;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.redisstreams.binder.support.RedisStreamTransaction.StagedCommand;

/**
 * What a handler wrote through the binder while it ran: the replies of the writes it sent, to be confirmed
 * before its entry is acknowledged, or, on a transactional binding, the writes it staged, to be applied with the
 * acknowledgement in one atomic step (null otherwise).
 *
 * @param replies the replies of the writes sent
 * @param staged the staged writes of a transactional binding's step, or null when the binding is not one
 */
record Writes(List<CompletableFuture<?>> replies, List<StagedCommand> staged) {

	static final Writes NONE = new Writes(List.of(), null);

	boolean transactional() {
		return this.staged != null;
	}

}
