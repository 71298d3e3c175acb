package io.github.redisstreams.binder.inbound;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.ScriptOutputType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.metrics.ConsumerMetrics;
import io.github.redisstreams.binder.support.Delivery;
import io.github.redisstreams.binder.support.RedisStreamTransaction.StagedCommand;
import io.github.redisstreams.binder.support.StreamEntryIds;

/**
 * Applies the atomic steps of a transactional binding ({@code transactional: true}) with one
 * {@code commit-steps.lua} call for all the steps an acknowledgement flush carries (no round trip per entry):
 * each step's staged writes, its idempotency markers and the {@code XACK} of its entries, only if all its entries
 * are still pending with the consumer; a step one of whose writes fails is undone in the script. A step not
 * applied leaves its entries pending: taken over by their new owner (counted as discarded), or delivered again
 * here after {@code claim-idle-time} (a failed step, logged at ERROR; dead-lettered after
 * {@code max-deliveries}). A step whose marker another consumer wrote meanwhile is only acknowledged (a
 * duplicate). Its reply is handled on Lettuce's thread, so it sends nothing more to Redis.
 */
final class StepCommitter {

	private static final Log logger = LogFactory.getLog(StepCommitter.class);

	private static final LuaScript COMMIT = LuaScript.load("commit-steps.lua");

	private static final long OWNED_BY_ANOTHER = 0;

	private static final long APPLIED = 1;

	private static final long NOT_PENDING = 2;

	private static final long DUPLICATE = 3;

	private final StreamCommands commands;

	private final String stream;

	private final String group;

	private final Duration markerTtl;

	private final ConsumerMetrics metrics;

	StepCommitter(StreamCommands commands, String stream, String group, Duration markerTtl, ConsumerMetrics metrics) {
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.markerTtl = markerTtl;
		this.metrics = metrics;
	}

	/**
	 * Sends the steps of one consumer in one script call, without waiting for the reply.
	 * @return completes when Redis replied and the outcome of each step was accounted for
	 */
	CompletableFuture<?> commit(String consumer, List<Step> steps) {
		List<String> keys = new ArrayList<>();
		Map<String, Integer> keyIndex = new HashMap<>();
		keys.add(this.stream);
		keyIndex.put(this.stream, 1);
		ScriptArgs args = ScriptArgs.of(this.group, consumer, (this.markerTtl != null) ? this.markerTtl.toMillis() : 0,
				steps.size());
		for (Step step : steps) {
			args.add(step.deliveries().size());
			step.deliveries().forEach((delivery) -> args.add(delivery.id()));
			args.add(step.markerKeys().size());
			step.markerKeys().forEach((key) -> args.add(index(key, keys, keyIndex)));
			args.add(step.staged().size());
			for (StagedCommand command : step.staged()) {
				args.add(command.command()).add(index(command.key(), keys, keyIndex)).add(command.args().size());
				command.args().forEach(args::add);
			}
		}
		CompletableFuture<List<Object>> reply = this.commands.evalAsync(COMMIT, ScriptOutputType.MULTI, keys, args);
		return reply.thenAccept((results) -> accountFor(steps, results));
	}

	private static int index(String key, List<String> keys, Map<String, Integer> keyIndex) {
		return keyIndex.computeIfAbsent(key, (added) -> {
			keys.add(added);
			return keys.size();
		});
	}

	private void accountFor(List<Step> steps, List<Object> results) {
		long now = System.currentTimeMillis();
		for (int i = 0; i < steps.size(); i++) {
			Step step = steps.get(i);
			Object result = (i < results.size()) ? results.get(i) : null;
			List<String> ids = step.deliveries().stream().map(Delivery::id).toList();
			long code = (result instanceof Long number) ? number : -1;
			if (code == APPLIED || code == DUPLICATE) {
				this.metrics.acked(ids.size());
				if (code == DUPLICATE) {
					ids.forEach((id) -> this.metrics.duplicateSkipped());
				}
				if (this.metrics != ConsumerMetrics.NOOP) {
					for (String id : ids) {
						long createdAt = StreamEntryIds.timestampOf(id);
						if (createdAt > 0) {
							this.metrics.endToEndLatency(Math.max(0, now - createdAt));
						}
					}
				}
			}
			else if (code == OWNED_BY_ANOTHER) {
				this.metrics.stepsDiscarded(1);
				logger.warn("The step of entries " + ids + " of stream '" + this.stream + "' (group '" + this.group
						+ "') was discarded: another consumer took them over while the handler ran, so their outputs "
						+ "and writes were not applied; their owner processes them");
			}
			else if (code == NOT_PENDING) {
				// acknowledged already: a step sent again after its reply was lost, applied the first time
				if (logger.isDebugEnabled()) {
					logger.debug("The step of entries " + ids + " of stream '" + this.stream + "' found them "
							+ "acknowledged already; nothing applied again");
				}
			}
			else {
				String error = (result instanceof byte[] raw) ? new String(raw, StandardCharsets.UTF_8) : String.valueOf(result);
				logger.error("The step of entries " + ids + " of stream '" + this.stream + "' (group '" + this.group
						+ "') failed and was undone, nothing of it applied: " + error + ". The entries stay pending and "
						+ "are delivered again after claim-idle-time (dead-lettered after max-deliveries)");
			}
		}
	}

	/**
	 * One atomic step: the entries it settles (one, or a batch), their idempotency markers and the staged writes.
	 */
	record Step(List<Delivery> deliveries, List<String> markerKeys, List<StagedCommand> staged) {

	}

}
