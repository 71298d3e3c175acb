package io.github.redisstreams.checker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;

import io.github.redisstreams.checker.Producer.Sent;
import io.github.redisstreams.checker.Scenario.App;
import io.github.redisstreams.checker.apps.Effects;
import io.github.redisstreams.checker.apps.TransactionalProcessorApp;

/**
 * Reads the final state from Redis and checks it against what was sent: for every id sent, exactly one
 * of processed (its effect recorded) or dead-lettered with the record of its failure; nothing left
 * pending; nothing dead-lettered that never reached its handler (but an undecodable message); no healthy
 * message dead-lettered. Duplicates are counted, not failed, except for the transactional processor, which
 * promises exactly once inside Redis: there every input (confirmed or not) must have exactly one output and an
 * applied-count of exactly 1 (a poison one: none of either), and the total must be the sum of the inputs' amounts.
 * For each failure it digs out the state of a few of the ids concerned.
 */
final class Verifier {

	/** The group of stream out in the processor application. */
	static final String OUT_GROUP = "g";

	static final String DLQ_OUT = "{out}:g:dlq";

	/** Where the sample application records a processed order (its effect). */
	static final String SAMPLE_ORDER_PREFIX = "{sample}:order:";

	private static final String DELIVERY_LIMIT = "io.github.redisstreams.binder.recovery.DeliveryLimitExceededException";

	private static final Pattern JSON_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern JSON_KIND = Pattern.compile("\"kind\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern JSON_AMOUNT = Pattern.compile("\"amount\"\\s*:\\s*(-?[0-9]+)");

	private static final int SAMPLES = 8;

	private final Scenario scenario;

	private final RedisAccess admin;

	private final Producer producer;

	private final List<AppProcess> apps;

	/** The stream the checker writes, its group and their dead-letter stream. */
	private final String stream;

	private final String group;

	private final String deadLetterStream;

	Verifier(Scenario scenario, RedisAccess admin, Producer producer, List<AppProcess> apps) {
		this.scenario = scenario;
		this.admin = admin;
		this.producer = producer;
		this.apps = apps;
		this.stream = scenario.app().stream;
		this.group = scenario.app().group;
		this.deadLetterStream = scenario.app().deadLetterStream();
	}

	private boolean sample() {
		return this.scenario.app() == App.SAMPLE;
	}

	/**
	 * The effects by business id: the checker's applications count them in a hash; the sample records each
	 * order once under its own key (so that a duplicate cannot be seen).
	 */
	private Map<String, String> effects(RedisCommands<String, String> redis) {
		if (transactional()) {
			// the applied-counts, written in the atomic step with the output and the acknowledgement
			return redis.hgetall(TransactionalProcessorApp.APPLIED);
		}
		if (!sample()) {
			return redis.hgetall(Effects.EFFECTS);
		}
		Map<String, String> effects = new HashMap<>();
		List<Sent> sent = this.producer.sent();
		for (int from = 0; from < sent.size(); from += 500) {
			List<Sent> chunk = sent.subList(from, Math.min(sent.size(), from + 500));
			String[] keys = chunk.stream().map((m) -> SAMPLE_ORDER_PREFIX + m.id()).toArray(String[]::new);
			redis.mget(keys).forEach((value) -> {
				if (value.hasValue()) {
					effects.put(value.getKey().substring(SAMPLE_ORDER_PREFIX.length()), "1");
				}
			});
		}
		return effects;
	}

	/** The transactional processor: exactly once is checked, not only at least once. */
	private boolean transactional() {
		return this.scenario.app() == App.TX_PROCESSOR;
	}

	private boolean processor() {
		return this.scenario.app() == App.PROCESSOR || this.scenario.app() == App.PIPELINE;
	}

	/** What counts as sent: the sends Redis confirmed in the last epoch (after the last empty restart, if any). */
	List<Sent> sent() {
		int epoch = this.producer.epoch();
		return this.producer.sent().stream().filter((sent) -> sent.epoch() == epoch).toList();
	}

	/** A cheap look at the state while waiting for the system to become quiet. */
	Progress progress() {
		RedisCommands<String, String> redis = this.admin.sync();
		Map<String, String> effects = effects(redis);
		Map<String, List<DeadLetter>> dead = deadLetters(redis);
		long pending = pending(redis, this.stream, this.group) + (processor() ? pending(redis, "out", OUT_GROUP) : 0);
		boolean settled = pending == 0
				&& sent().stream().allMatch((sent) -> effects.containsKey(sent.id()) || dead.containsKey(sent.id()));
		String fingerprint = sum(effects) + "/" + sum(redis.hgetall(Effects.HANDED)) + "/"
				+ sum(redis.hgetall(Effects.HANDED_OUT)) + "/" + redis.xlen(this.deadLetterStream) + "/"
				+ redis.xlen(DLQ_OUT) + "/" + pending + "/" + redis.xlen(this.stream) + "/" + redis.type("out") + "/"
				+ redis.xlen(TransactionalProcessorApp.OUT) + "/" + redis.dbsize();
		return new Progress(settled, fingerprint);
	}

	ScenarioResult verify(String quiet, List<String> journal, long sendingMillis, long totalMillis) {
		RedisCommands<String, String> redis = this.admin.sync();
		List<Sent> sent = sent();
		Map<String, Long> effects = longs(effects(redis));
		Map<String, Long> handed = longs(redis.hgetall(Effects.HANDED));
		Map<String, Long> handedOut = longs(redis.hgetall(Effects.HANDED_OUT));
		Map<String, List<DeadLetter>> dead = deadLetters(redis);
		if (sample()) {
			// the sample does not record that its handler was entered: a processed order was handled, an invalid
			// one is rejected by the handler on every delivery that runs it, and a dead letter whose failure is not
			// the binder's delivery limit comes from the handler; only a healthy order given up for the delivery
			// limit counts as never handled
			effects.keySet().forEach((id) -> handed.put(id, 1L));
			sent.stream().filter(Sent::expectedDead).forEach((message) -> handed.put(message.id(), 1L));
			dead.forEach((id, letters) -> {
				if (letters.stream().anyMatch((letter) -> !DELIVERY_LIMIT.equals(letter.fields().get("x-exception-fqcn")))) {
					handed.put(id, 1L);
				}
			});
		}
		long pendingIn = pending(redis, this.stream, this.group);
		long pendingOut = processor() ? pending(redis, "out", OUT_GROUP) : 0;
		// the transactional processor: its outputs by business id, the one input of each id, its total
		Map<String, List<String>> txOutputs = transactional() ? outputs(redis, TransactionalProcessorApp.OUT) : Map.of();
		Map<String, Input> inputs = transactional() ? inputs(redis) : Map.of();

		List<Sent> processed = new ArrayList<>();
		List<Sent> deadLettered = new ArrayList<>();
		List<Sent> lost = new ArrayList<>();
		List<Sent> both = new ArrayList<>();
		List<Sent> wronglyDead = new ArrayList<>();
		List<Sent> deadProcessed = new ArrayList<>();
		List<Sent> withoutReason = new ArrayList<>();
		List<Sent> withoutHandler = new ArrayList<>();
		List<Sent> duplicated = new ArrayList<>();
		long extraEffects = 0;
		for (Sent message : sent) {
			long applied = effects.getOrDefault(message.id(), 0L);
			// transactional: an id seen twice in the output is as much a duplicate as one applied twice
			long effect = transactional()
					? Math.max(applied, txOutputs.getOrDefault(message.id(), List.of()).size()) : applied;
			List<DeadLetter> letters = dead.getOrDefault(message.id(), List.of());
			boolean isProcessed = effect > 0;
			boolean isDead = !letters.isEmpty();
			if (isProcessed) {
				processed.add(message);
			}
			if (isDead) {
				deadLettered.add(message);
			}
			if (isProcessed && isDead) {
				both.add(message);
			}
			if (!isProcessed && !isDead) {
				lost.add(message);
			}
			if (effect > 1) {
				duplicated.add(message);
				extraEffects += effect - 1;
			}
			if (isProcessed && message.expectedDead()) {
				deadProcessed.add(message);
			}
			if (isDead && !message.expectedDead()) {
				wronglyDead.add(message);
			}
			for (DeadLetter letter : letters) {
				if (!letter.hasReason() && !withoutReason.contains(message)) {
					withoutReason.add(message);
				}
				Map<String, Long> entered = DLQ_OUT.equals(letter.stream()) ? handedOut : handed;
				if (!"undecodable".equals(message.kind()) && entered.getOrDefault(message.id(), 0L) == 0
						&& !withoutHandler.contains(message)) {
					withoutHandler.add(message);
				}
			}
		}
		long stuck = pendingIn + pendingOut;
		boolean pass = lost.isEmpty() && stuck == 0 && withoutHandler.isEmpty() && wronglyDead.isEmpty()
				&& both.isEmpty() && deadProcessed.isEmpty() && withoutReason.isEmpty();
		List<String> exactlyOnce = new ArrayList<>();
		if (transactional()) {
			boolean held = checkExactlyOnce(redis, sent, effects, handed, txOutputs, inputs, dead, exactlyOnce);
			// exactly once: a duplicate fails the scenario
			pass &= held && duplicated.isEmpty();
		}

		List<String> details = new ArrayList<>();
		details.add("application: " + this.scenario.describeApp() + "; sending took " + sendingMillis / 1000
				+ " s, the whole scenario " + totalMillis / 1000 + " s; end state: " + quiet);
		details.add("sent: " + sent.size() + " confirmed sends" + ((this.producer.epoch() > 0)
				? " after the last empty restart (epoch " + this.producer.epoch() + "; "
						+ (this.producer.sent().size() - sent.size()) + " confirmed before it are gone with Redis)"
				: "") + "; " + this.producer.unconfirmed().size() + " sends not confirmed (not counted)");
		for (AppProcess app : this.apps) {
			details.add(app.name() + ": started " + app.starts() + " times, died by itself with exit codes "
					+ app.unexpectedExits() + "; log " + app.log());
		}
		journal.forEach((line) -> details.add("fault: " + line));
		logDigest().forEach((line) -> details.add("log: " + line));
		details.add("group " + this.group + " of " + this.stream + ": "
				+ describeGroup(redis, this.stream, this.group) + "; pending " + pendingIn);
		if (processor()) {
			details.add("group g of out: " + describeGroup(redis, "out", OUT_GROUP) + "; pending " + pendingOut);
		}
		if (sample()) {
			details.add("the sample records an order once (its ledger is idempotent) and not when its handler is "
					+ "entered: duplicates cannot be seen; reaching the handler is judged by the dead letter's failure");
		}
		details.addAll(exactlyOnce);
		if (!duplicated.isEmpty()) {
			details.add("duplicates: " + duplicated.size() + " ids processed more than once (" + extraEffects
					+ " extra effects), e.g. " + duplicated.stream()
						.limit(SAMPLES)
						.map((m) -> m.id() + " x" + effects.get(m.id())
								+ (transactional() ? " (outputs " + txOutputs.getOrDefault(m.id(), List.of()) + ")" : ""))
						.collect(Collectors.joining(", ")));
			if (transactional()) {
				for (Sent message : duplicated.subList(0, Math.min(SAMPLES / 2, duplicated.size()))) {
					for (String line : logLines(message.entryId(), 3)) {
						details.add("    " + message.id() + " log: " + line);
					}
				}
			}
		}
		if (!lost.isEmpty()) {
			describeLost(redis, lost, handed, handedOut, details);
		}
		describeDead("dead-lettered without reaching the handler", withoutHandler, dead, handed, handedOut, details);
		describeDead("healthy but dead-lettered", wronglyDead, dead, handed, handedOut, details);
		describeDead("both processed and dead-lettered", both, dead, handed, handedOut, details);
		describeDead("dead-lettered without x-exception-* fields", withoutReason, dead, handed, handedOut, details);
		List<String> givenUpEarly = new ArrayList<>();
		for (Sent message : deadLettered) {
			for (DeadLetter letter : dead.getOrDefault(message.id(), List.of())) {
				if ("poison-fail".equals(message.kind()) && DELIVERY_LIMIT.equals(letter.fields().get("x-exception-fqcn"))) {
					givenUpEarly.add(message.id() + " (" + (sample() ? "handler runs not recorded"
							: "handler entered " + handed.getOrDefault(message.id(), 0L) + " times") + ", "
							+ letter.describe() + ")");
				}
			}
		}
		if (!givenUpEarly.isEmpty()) {
			details.add("failing messages dead-lettered for the delivery limit, not for their own failure (deliveries "
					+ "were counted that did not run the handler): " + givenUpEarly.size());
			givenUpEarly.stream().limit(SAMPLES).forEach((line) -> details.add("    " + line));
		}
		if (!deadProcessed.isEmpty()) {
			details.add("poison messages processed: " + ids(deadProcessed));
		}
		if (stuck > 0) {
			describeStuck(redis, sent, details);
		}
		return new ScenarioResult(this.scenario, this.scenario.messages(), sent.size(), processed.size(),
				deadLettered.size(), lost.size(), stuck, withoutHandler.size(), wronglyDead.size(),
				sample() ? -1 : duplicated.size(), extraEffects, pass, details);
	}

	private void describeLost(RedisCommands<String, String> redis, List<Sent> lost, Map<String, Long> handed,
			Map<String, Long> handedOut, List<String> details) {
		Map<String, List<String>> outputs = processor() ? outputs(redis, "out") : Map.of();
		Map<String, List<String>> txOutputs = transactional() ? outputs(redis, TransactionalProcessorApp.OUT) : Map.of();
		Map<String, Object> outInfo = processor() ? streamInfo(redis, "out") : Map.of();
		long removedFromOut = processor() ? number(outInfo.get("entries-added")) - number(outInfo.get("length")) : 0;
		String firstOut = (outInfo.get("first-entry") instanceof List<?> first && !first.isEmpty())
				? String.valueOf(first.get(0)) : null;
		if (processor()) {
			details.add("stream out: length " + outInfo.get("length") + ", entries added since it was created "
					+ outInfo.get("entries-added") + " (" + removedFromOut + " removed: trimmed or deleted), first entry "
					+ firstOut + "; the function was entered for " + handed.size() + " of the sent ids");
		}
		String lastDelivered = lastDeliveredId(redis, this.stream, this.group);
		Map<String, List<Sent>> byCause = new LinkedHashMap<>();
		Map<Sent, String> states = new HashMap<>();
		for (Sent message : lost) {
			String cause;
			List<StreamMessage<String, String>> entry = redis.xrange(this.stream,
					Range.create(message.entryId(), message.entryId()));
			List<PendingMessage> pending = pendingEntry(redis, this.stream, this.group, message.entryId());
			List<String> outIds = outputs.getOrDefault(message.id(), List.of());
			if (entry.isEmpty()) {
				cause = "entry gone from stream " + this.stream;
			}
			else if (!pending.isEmpty()) {
				cause = "still pending in " + this.group + " of " + this.stream;
			}
			else if (lastDelivered == null || compareIds(message.entryId(), lastDelivered) > 0) {
				cause = "never delivered to " + this.group + " (after its last-delivered-id " + lastDelivered + ")";
			}
			else if (transactional()) {
				cause = "acknowledged in " + this.group + " of " + this.stream + ", but its step (output, applied-count, "
						+ "total) not applied";
			}
			else if (!processor()) {
				cause = "acknowledged in " + this.group + " of " + this.stream + ", but no effect";
			}
			else if (outIds.isEmpty() && removedFromOut > 0 && firstOut != null
					&& compareIds(firstOut, message.entryId()) > 0) {
				// an output is always written after its input: entries removed from out after the input may
				// include it
				cause = "input acknowledged in g of in, no output in stream out, which lost " + removedFromOut
						+ " entries and now starts after this input: its output was most likely written and trimmed "
						+ "before g read it";
			}
			else if (outIds.isEmpty()) {
				cause = "input acknowledged in g of in, but no output in stream out, which lost no entry after this "
						+ "input: the output was never written";
			}
			else {
				List<PendingMessage> outPending = pendingEntry(redis, "out", OUT_GROUP, outIds.get(0));
				cause = outPending.isEmpty() ? "output in stream out, acknowledged there, but no effect"
						: "output in stream out, still pending there";
			}
			byCause.computeIfAbsent(cause, (key) -> new ArrayList<>()).add(message);
			states.put(message, "entry " + message.entryId() + ", kind " + message.kind() + ", handed "
					+ handed.getOrDefault(message.id(), 0L)
					+ (processor() ? ", outputs in out " + outIds + ", handed by record "
							+ handedOut.getOrDefault(message.id(), 0L) : "")
					+ (transactional() ? ", outputs in " + TransactionalProcessorApp.OUT + " "
							+ txOutputs.getOrDefault(message.id(), List.of()) : "")
					+ (pending.isEmpty() ? "" : ", pending " + describe(pending.get(0))));
		}
		details.add("lost: " + lost.size() + " ids neither processed nor dead-lettered");
		byCause.forEach((cause, messages) -> {
			details.add("  lost because " + cause + ": " + messages.size() + " (" + idRanges(messages) + ")");
			for (Sent message : messages.subList(0, Math.min(SAMPLES / 2, messages.size()))) {
				details.add("    " + message.id() + ": " + states.get(message));
				for (String line : logLines(message.entryId(), 3)) {
					details.add("      log: " + line);
				}
			}
		});
	}

	private void describeDead(String what, List<Sent> messages, Map<String, List<DeadLetter>> dead,
			Map<String, Long> handed, Map<String, Long> handedOut, List<String> details) {
		if (messages.isEmpty()) {
			return;
		}
		Map<String, Long> kinds = messages.stream()
			.collect(Collectors.groupingBy(Sent::kind, TreeMap::new, Collectors.counting()));
		details.add(what + ": " + messages.size() + " " + kinds + " (" + idRanges(messages) + ")");
		for (Sent message : messages.subList(0, Math.min(SAMPLES, messages.size()))) {
			for (DeadLetter letter : dead.getOrDefault(message.id(), List.of())) {
				details.add("    " + message.id() + " (" + message.kind() + ", entry " + message.entryId() + ", handed "
						+ handed.getOrDefault(message.id(), 0L)
						+ (processor() ? ", handed by record " + handedOut.getOrDefault(message.id(), 0L) : "")
						+ "): " + letter.describe());
			}
		}
	}

	private void describeStuck(RedisCommands<String, String> redis, List<Sent> sent, List<String> details) {
		Map<String, String> byEntry = new HashMap<>();
		sent.forEach((message) -> byEntry.put(message.entryId(), message.id() + " (" + message.kind() + ")"));
		for (String stream : processor() ? List.of(this.stream, "out") : List.of(this.stream)) {
			String group = stream.equals(this.stream) ? this.group : OUT_GROUP;
			try {
				List<PendingMessage> pending = redis.xpending(stream, group, Range.create("-", "+"), Limit.from(SAMPLES));
				for (PendingMessage entry : pending) {
					details.add("stuck in " + stream + ": " + describe(entry)
							+ (stream.equals(this.stream) ? " = " + byEntry.getOrDefault(entry.getId(), "?") : ""));
				}
			}
			catch (RedisCommandExecutionException ex) {
				details.add("stuck in " + stream + ": " + ex.getMessage());
			}
		}
	}

	private static String describe(PendingMessage entry) {
		return entry.getId() + " owned by " + entry.getConsumer() + ", idle " + entry.getMsSinceLastDelivery()
				+ " ms, delivered " + entry.getRedeliveryCount() + " times";
	}

	/** Dead letters of both dead-letter streams, by business id. */
	private Map<String, List<DeadLetter>> deadLetters(RedisCommands<String, String> redis) {
		Map<String, List<DeadLetter>> byId = new HashMap<>();
		for (String stream : List.of(this.deadLetterStream, DLQ_OUT)) {
			for (StreamMessage<String, String> entry : redis.xrange(stream, Range.create("-", "+"))) {
				String id = businessId(entry.getBody());
				if (id != null) {
					byId.computeIfAbsent(id, (key) -> new ArrayList<>()).add(new DeadLetter(stream, entry.getBody()));
				}
			}
		}
		return byId;
	}

	/** Entry ids of an output stream ({@code out}, or the transactional processor's) by business id. */
	private static Map<String, List<String>> outputs(RedisCommands<String, String> redis, String stream) {
		Map<String, List<String>> byId = new HashMap<>();
		try {
			for (StreamMessage<String, String> entry : redis.xrange(stream, Range.create("-", "+"))) {
				String id = businessId(entry.getBody());
				if (id != null) {
					byId.computeIfAbsent(id, (key) -> new ArrayList<>()).add(entry.getId());
				}
			}
		}
		catch (RedisCommandExecutionException ex) {
			// out is not a stream: nothing to find
		}
		return byId;
	}

	/**
	 * The transactional processor's checks, beyond at-least-once: over every input of stream in (the sends
	 * confirmed, and any stored though not confirmed), a healthy one has exactly one output and an applied-count of
	 * exactly 1, a poison one neither; nothing is applied or output that is not an input; the total is the sum of
	 * the healthy inputs' amounts. Adds what it saw, and what failed, to the details.
	 * @return whether every check held
	 */
	private boolean checkExactlyOnce(RedisCommands<String, String> redis, List<Sent> sent, Map<String, Long> applied,
			Map<String, Long> handed, Map<String, List<String>> outputs, Map<String, Input> inputs,
			Map<String, List<DeadLetter>> dead, List<String> details) {
		java.util.Set<String> confirmed = sent.stream().map(Sent::id).collect(Collectors.toSet());
		List<String> unconfirmedStored = new ArrayList<>();
		Map<Input, String> wrong = new LinkedHashMap<>();
		long expectedTotal = 0;
		long healthy = 0;
		for (Input input : inputs.values()) {
			boolean poison = Scenario.EXPECTED_DEAD.contains(input.kind());
			long count = applied.getOrDefault(input.id(), 0L);
			int outs = outputs.getOrDefault(input.id(), List.of()).size();
			if (!confirmed.contains(input.id())) {
				unconfirmedStored.add(input.id());
			}
			if (!poison) {
				healthy++;
				expectedTotal += input.amount();
			}
			// a healthy input dead-lettered is failed by wrongly-dlq; here only what was applied counts
			long want = (poison || dead.containsKey(input.id())) ? 0 : 1;
			if (count != want || outs != want) {
				wrong.put(input, input.id() + " (" + input.kind() + ", entry " + input.entryId() + "): applied-count " + count
						+ ", outputs " + outputs.getOrDefault(input.id(), List.of()) + ", expected " + want + " of each; "
						+ "handled " + handed.getOrDefault(input.id(), 0L) + " times"
						+ (dead.containsKey(input.id()) ? ", dead-lettered" : ""));
			}
		}
		List<String> strays = new ArrayList<>();
		applied.keySet().stream().filter((id) -> !inputs.containsKey(id)).forEach((id) -> strays.add(id + " applied"));
		outputs.keySet().stream().filter((id) -> !inputs.containsKey(id)).forEach((id) -> strays.add(id + " output"));
		String totalText = redis.get(TransactionalProcessorApp.TOTAL);
		long total = (totalText != null) ? Long.parseLong(totalText) : 0;
		long handledAgain = inputs.values()
			.stream()
			.filter((input) -> !Scenario.EXPECTED_DEAD.contains(input.kind()) && handed.getOrDefault(input.id(), 0L) > 1)
			.count();
		long handlerRuns = handed.values().stream().mapToLong(Long::longValue).sum();
		details.add("exactly once: " + inputs.size() + " inputs in " + this.stream + " (" + unconfirmedStored.size()
				+ " of them stored though their send was not confirmed" + (unconfirmedStored.isEmpty() ? ""
						: ": " + unconfirmedStored.stream().limit(SAMPLES).collect(Collectors.joining(", ")))
				+ "); " + TransactionalProcessorApp.OUT + " has " + redis.xlen(TransactionalProcessorApp.OUT) + " entries, "
				+ TransactionalProcessorApp.APPLIED + " " + applied.size() + " ids (sum of counts "
				+ applied.values().stream().mapToLong(Long::longValue).sum() + "); the handler ran " + handlerRuns
				+ " times, for " + handledAgain + " healthy inputs more than once; " + countLogLines("was discarded")
				+ " steps discarded by the fence (their entries taken over meanwhile), " + countLogLines("was refused")
				+ " refused");
		boolean totalHeld = total == expectedTotal;
		details.add("total " + TransactionalProcessorApp.TOTAL + ": " + total + ", the sum of the amounts of the "
				+ healthy + " healthy inputs: " + expectedTotal + (totalHeld ? " (equal)"
						: " -- WRONG by " + (total - expectedTotal)));
		if (!wrong.isEmpty()) {
			details.add("inputs not applied exactly once (applied-count and outputs): " + wrong.size());
			wrong.entrySet().stream().limit(SAMPLES).forEach((input) -> {
				details.add("    " + input.getValue());
				for (String log : logLines(input.getKey().entryId(), 3)) {
					details.add("      log: " + log);
				}
			});
		}
		if (!strays.isEmpty()) {
			details.add("applied or output for ids that are not inputs: " + strays.size() + ", e.g. "
					+ strays.stream().limit(SAMPLES).collect(Collectors.joining(", ")));
		}
		return wrong.isEmpty() && strays.isEmpty() && totalHeld;
	}

	/** The entries of the consumed stream by business id, with their kind and amount (the transactional processor). */
	private Map<String, Input> inputs(RedisCommands<String, String> redis) {
		Map<String, Input> byId = new LinkedHashMap<>();
		for (StreamMessage<String, String> entry : redis.xrange(this.stream, Range.create("-", "+"))) {
			String id = businessId(entry.getBody());
			String payload = String.valueOf(entry.getBody().get("payload"));
			Matcher kind = JSON_KIND.matcher(payload);
			Matcher amount = JSON_AMOUNT.matcher(payload);
			if (id != null) {
				byId.put(id, new Input(id, entry.getId(), kind.find() ? kind.group(1) : "undecodable",
						amount.find() ? Long.parseLong(amount.group(1)) : 0));
			}
		}
		return byId;
	}

	static String businessId(Map<String, String> fields) {
		String id = fields.get("cid");
		if (id != null) {
			return id;
		}
		String payload = fields.get("payload");
		if (payload == null) {
			return null;
		}
		Matcher matcher = JSON_ID.matcher(payload);
		return matcher.find() ? matcher.group(1) : null;
	}

	private static long pending(RedisCommands<String, String> redis, String stream, String group) {
		try {
			return redis.xpending(stream, group).getCount();
		}
		catch (RedisCommandExecutionException ex) {
			// NOGROUP, or the key is not a stream: nothing pending in g
			return 0;
		}
	}

	private static List<PendingMessage> pendingEntry(RedisCommands<String, String> redis, String stream, String group,
			String id) {
		try {
			return redis.xpending(stream, group, Range.create(id, id), Limit.from(1));
		}
		catch (RedisCommandExecutionException ex) {
			return List.of();
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> groupInfo(RedisCommands<String, String> redis, String stream, String name) {
		try {
			for (Object group : redis.xinfoGroups(stream)) {
				List<Object> fields = (List<Object>) group;
				Map<String, Object> info = new LinkedHashMap<>();
				for (int i = 0; i + 1 < fields.size(); i += 2) {
					info.put(String.valueOf(fields.get(i)), fields.get(i + 1));
				}
				if (name.equals(String.valueOf(info.get("name")))) {
					return info;
				}
			}
		}
		catch (RedisCommandExecutionException ex) {
			// no such stream
		}
		return null;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> streamInfo(RedisCommands<String, String> redis, String stream) {
		Map<String, Object> info = new LinkedHashMap<>();
		try {
			List<Object> fields = redis.xinfoStream(stream);
			for (int i = 0; i + 1 < fields.size(); i += 2) {
				info.put(String.valueOf(fields.get(i)), fields.get(i + 1));
			}
		}
		catch (RedisCommandExecutionException ex) {
			info.put("error", ex.getMessage());
		}
		return info;
	}

	private static String describeGroup(RedisCommands<String, String> redis, String stream, String group) {
		Map<String, Object> info = groupInfo(redis, stream, group);
		String length;
		try {
			length = "length " + redis.xlen(stream);
		}
		catch (RedisCommandExecutionException ex) {
			length = ex.getMessage();
		}
		return (info != null) ? length + ", " + info : length + ", no group " + group;
	}

	private static String lastDeliveredId(RedisCommands<String, String> redis, String stream, String group) {
		Map<String, Object> info = groupInfo(redis, stream, group);
		return (info != null) ? String.valueOf(info.get("last-delivered-id")) : null;
	}

	/** Lines of the applications' logs that mention an entry id. */
	private List<String> logLines(String entryId, int max) {
		List<String> lines = new ArrayList<>();
		for (AppProcess app : this.apps) {
			try (var stream = Files.lines(app.log(), StandardCharsets.UTF_8)) {
				stream.filter((line) -> line.contains(entryId))
					.limit(max - lines.size())
					.forEach((line) -> lines.add(app.name() + ": " + abbreviate(line, 300)));
			}
			catch (IOException | java.io.UncheckedIOException ex) {
				// no log to look at
			}
			if (lines.size() >= max) {
				break;
			}
		}
		return lines;
	}

	/** How many lines of the applications' logs contain a text. */
	private long countLogLines(String text) {
		long count = 0;
		for (AppProcess app : this.apps) {
			try (var stream = Files.lines(app.log(), StandardCharsets.UTF_8)) {
				count += stream.filter((line) -> line.contains(text)).count();
			}
			catch (IOException | java.io.UncheckedIOException ex) {
				// no log to look at
			}
		}
		return count;
	}

	/**
	 * The warnings and errors of the applications' logs, digits masked so that alike lines count together,
	 * most frequent first.
	 */
	private List<String> logDigest() {
		Pattern level = Pattern.compile("^\\S+ (WARN|ERROR) +\\[[^\\]]*\\] (\\S+) - (.*)$");
		Map<String, Long> counts = new HashMap<>();
		for (AppProcess app : this.apps) {
			try (var stream = Files.lines(app.log(), StandardCharsets.UTF_8)) {
				stream.forEach((line) -> {
					Matcher matcher = level.matcher(line);
					if (matcher.matches()) {
						String text = matcher.group(1) + " " + matcher.group(2) + " - "
								+ abbreviate(matcher.group(3), 200).replaceAll("[0-9]+", "N");
						counts.merge(text, 1L, Long::sum);
					}
				});
			}
			catch (IOException | java.io.UncheckedIOException ex) {
				// no log to look at
			}
		}
		return counts.entrySet()
			.stream()
			.sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
			.limit(8)
			.map((entry) -> entry.getValue() + " x " + entry.getKey())
			.toList();
	}

	static int compareIds(String a, String b) {
		String[] left = a.split("-");
		String[] right = b.split("-");
		int first = Long.compare(Long.parseLong(left[0]), Long.parseLong(right[0]));
		return (first != 0) ? first : Long.compare(Long.parseLong(left[1]), Long.parseLong(right[1]));
	}

	/** Ids of a list, as ranges of their numbers: m-3..m-7, m-12. */
	static String idRanges(List<Sent> messages) {
		List<Integer> numbers = messages.stream()
			.map((m) -> Integer.parseInt(m.id().substring(2)))
			.sorted()
			.toList();
		List<String> parts = new ArrayList<>();
		int i = 0;
		while (i < numbers.size() && parts.size() < 12) {
			int j = i;
			while (j + 1 < numbers.size() && numbers.get(j + 1) == numbers.get(j) + 1) {
				j++;
			}
			parts.add((i == j) ? "m-" + numbers.get(i) : "m-" + numbers.get(i) + "..m-" + numbers.get(j));
			i = j + 1;
		}
		return String.join(", ", parts) + ((i < numbers.size()) ? ", ..." : "");
	}

	private static String ids(List<Sent> messages) {
		return messages.stream().map(Sent::id).collect(Collectors.joining(", "));
	}

	private static Map<String, Long> longs(Map<String, String> values) {
		Map<String, Long> result = new HashMap<>();
		values.forEach((key, value) -> result.put(key, Long.parseLong(value)));
		return result;
	}

	private static long number(Object value) {
		try {
			return (value != null) ? Long.parseLong(value.toString()) : 0;
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	private static long sum(Map<String, String> values) {
		return values.values().stream().mapToLong(Long::parseLong).sum();
	}

	static String abbreviate(String text, int max) {
		return (text.length() <= max) ? text : text.substring(0, max) + "...";
	}

	/** An entry of the consumed stream, as the transactional processor's checks see it. */
	record Input(String id, String entryId, String kind, long amount) {

	}

	/** A quick view of the state while waiting. */
	record Progress(boolean settled, String fingerprint) {

	}

	/** One dead letter of a business id. */
	record DeadLetter(String stream, Map<String, String> fields) {

		boolean hasReason() {
			return this.fields.containsKey("x-exception-fqcn") && this.fields.containsKey("x-exception-message");
		}

		String describe() {
			return "in " + this.stream + ", delivery count " + this.fields.get("x-delivery-count") + ", consumer "
					+ this.fields.get("x-original-consumer") + ", " + this.fields.get("x-exception-fqcn") + ": "
					+ abbreviate(String.valueOf(this.fields.get("x-exception-message")), 160);
		}

	}

}
