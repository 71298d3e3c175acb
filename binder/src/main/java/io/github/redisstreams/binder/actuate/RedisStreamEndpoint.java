package io.github.redisstreams.binder.actuate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import io.github.redisstreams.binder.metrics.BindingNames;
import io.github.redisstreams.binder.metrics.BindingState;
import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.connection.ConsumerInfo;
import io.github.redisstreams.binder.recovery.DeadLetter;
import io.github.redisstreams.binder.recovery.RedisStreamDeadLetterOperations;
import io.github.redisstreams.binder.support.PayloadQuoting;

/**
 * The {@code redisstreams} actuator endpoint: the state of each running consumer binding (stream,
 * group, consumers, lag, pending entries, dead letters) and the dead-letter operations (replay and
 * purge). Like every actuator endpoint it is reachable over HTTP only when exposed
 * ({@code management.endpoints.web.exposure.include=redisstreams}). Its write operations are off unless
 * turned on with {@code management.endpoint.redisstreams.access=unrestricted} (its default access is
 * read-only). Payloads and header values of dead letters are shown only with
 * {@code spring.cloud.stream.redis.binder.show-payloads=true}; otherwise their sizes and header names.
 * <ul>
 * <li>{@code GET /actuator/redisstreams}: every binding;</li>
 * <li>{@code GET /actuator/redisstreams/{binding}?deadLetters=n}: one binding with its n newest dead
 * letters;</li>
 * <li>{@code GET /actuator/redisstreams/{binding}/{id}}: one dead letter with its stack trace;</li>
 * <li>{@code POST /actuator/redisstreams/{binding}}: replays the dead letters there when the request
 * arrives (not those dead-lettered again during the replay), or those listed in a body
 * {@code {"ids": [...]}};</li>
 * <li>{@code POST /actuator/redisstreams/{binding}/{id}}: replays one dead letter;</li>
 * <li>{@code DELETE /actuator/redisstreams/{binding}}: purges the dead-letter stream;</li>
 * <li>{@code DELETE /actuator/redisstreams/{binding}/{id}}: deletes one dead letter.</li>
 * </ul>
 */
@Endpoint(id = "redisstreams", defaultAccess = Access.READ_ONLY)
public class RedisStreamEndpoint {

	/** Dead letters shown per binding unless asked for more. */
	static final int DEFAULT_DEAD_LETTERS = 10;

	/** Most dead letters one read returns. */
	static final int MAX_DEAD_LETTERS = 1000;

	/** Longest payload text shown in a list of dead letters; one dead letter shows all of it. */
	static final int LISTED_PAYLOAD_LENGTH = 1024;

	/** What replaces a header value that is not shown. */
	static final String HIDDEN = "******";

	private final RedisStreamBindingRegistry bindings;

	private final BindingStateReader reader;

	private final RedisStreamDeadLetterOperations deadLetters;

	private final boolean showPayloads;

	public RedisStreamEndpoint(RedisStreamBindingRegistry bindings, BindingStateReader reader,
			RedisStreamDeadLetterOperations deadLetters) {
		this(bindings, reader, deadLetters, false);
	}

	/**
	 * @param showPayloads whether dead letters are shown with their payload and header values
	 * ({@code spring.cloud.stream.redis.binder.show-payloads})
	 */
	public RedisStreamEndpoint(RedisStreamBindingRegistry bindings, BindingStateReader reader,
			RedisStreamDeadLetterOperations deadLetters, boolean showPayloads) {
		this.bindings = bindings;
		this.reader = reader;
		this.deadLetters = deadLetters;
		this.showPayloads = showPayloads;
	}

	@ReadOperation
	public BindingsDescriptor bindings() {
		Map<String, BindingDescriptor> descriptors = new LinkedHashMap<>();
		for (Map.Entry<String, ConsumerBindingView> binding : BindingNames.byUniqueName(this.bindings.consumers())
			.entrySet()) {
			descriptors.put(binding.getKey(), describe(binding.getValue(), DEFAULT_DEAD_LETTERS));
		}
		return new BindingsDescriptor(descriptors);
	}

	@ReadOperation
	public @Nullable BindingDescriptor binding(@Selector String binding, @Nullable Integer deadLetters) {
		ConsumerBindingView view = find(binding);
		if (view == null) {
			return null;
		}
		int limit = (deadLetters != null) ? Math.max(0, Math.min(deadLetters, MAX_DEAD_LETTERS)) : DEFAULT_DEAD_LETTERS;
		return describe(view, limit);
	}

	@ReadOperation
	public @Nullable DeadLetterDescriptor deadLetter(@Selector String binding, @Selector String id) {
		ConsumerBindingView view = find(binding);
		if (view == null || view.deadLetterStream() == null) {
			return null;
		}
		return this.deadLetters.get(view.deadLetterStream(), id)
			.map((deadLetter) -> DeadLetterDescriptor.of(deadLetter, Integer.MAX_VALUE, true, this.showPayloads))
			.orElse(null);
	}

	@WriteOperation
	public ReplayResult replay(@Selector String binding, @Nullable List<String> ids) {
		String deadLetterStream = requireDeadLetterStream(binding);
		int replayed = (ids != null) ? this.deadLetters.replay(deadLetterStream, ids)
				: this.deadLetters.replayAll(deadLetterStream);
		return new ReplayResult(deadLetterStream, replayed, this.deadLetters.count(deadLetterStream));
	}

	@WriteOperation
	public ReplayResult replayOne(@Selector String binding, @Selector String id) {
		String deadLetterStream = requireDeadLetterStream(binding);
		int replayed = this.deadLetters.replay(deadLetterStream, List.of(id));
		return new ReplayResult(deadLetterStream, replayed, this.deadLetters.count(deadLetterStream));
	}

	@DeleteOperation
	public DeleteResult purge(@Selector String binding) {
		String deadLetterStream = requireDeadLetterStream(binding);
		long deleted = this.deadLetters.purge(deadLetterStream);
		return new DeleteResult(deadLetterStream, deleted, this.deadLetters.count(deadLetterStream));
	}

	@DeleteOperation
	public DeleteResult delete(@Selector String binding, @Selector String id) {
		String deadLetterStream = requireDeadLetterStream(binding);
		long deleted = this.deadLetters.delete(deadLetterStream, List.of(id));
		return new DeleteResult(deadLetterStream, deleted, this.deadLetters.count(deadLetterStream));
	}

	private BindingDescriptor describe(ConsumerBindingView binding, int deadLetterLimit) {
		BindingState state = this.reader.read(binding, true);
		Set<String> ownConsumers = Set.copyOf(binding.consumerNames());
		List<ConsumerDescriptor> consumers = new ArrayList<>(state.consumers().size());
		for (ConsumerInfo consumer : state.consumers()) {
			consumers.add(new ConsumerDescriptor(consumer.name(), consumer.pending(), consumer.idleMillis(),
					ownConsumers.contains(consumer.name())));
		}
		DeadLettersDescriptor deadLetters = null;
		if (state.deadLetterStream() != null) {
			List<DeadLetterDescriptor> newest = (deadLetterLimit > 0)
					? this.deadLetters.newest(state.deadLetterStream(), deadLetterLimit)
						.stream()
						.map((deadLetter) -> DeadLetterDescriptor.of(deadLetter, LISTED_PAYLOAD_LENGTH, false,
								this.showPayloads))
						.toList()
					: List.of();
			deadLetters = new DeadLettersDescriptor(state.deadLetterStream(), state.deadLetterCount(), newest);
		}
		PendingDescriptor pending = new PendingDescriptor(state.pending(), state.oldestPendingId(),
				state.oldestPendingAgeMillis(), state.maxDeliveryCount());
		return new BindingDescriptor(state.stream(), state.group(), binding.anonymous(), binding.isPaused(),
				state.groupPresent(), state.streamLength(), state.lag(), state.lagCapped(), pending,
				binding.liveConsumers(), consumers, deadLetters, partitions(binding));
	}

	/**
	 * With partitions shared dynamically: this instance's view of the ownership and who owns each partition now.
	 */
	private static @Nullable Map<String, Object> partitions(ConsumerBindingView binding) {
		Map<String, Object> ownership = binding.partitionOwnership();
		if (ownership == null) {
			return null;
		}
		Map<String, Object> partitions = new LinkedHashMap<>(ownership);
		partitions.put("owners", binding.partitionOwners());
		return partitions;
	}

	private @Nullable ConsumerBindingView find(String bindingName) {
		return BindingNames.byUniqueName(this.bindings.consumers()).get(bindingName);
	}

	private String requireDeadLetterStream(String bindingName) {
		ConsumerBindingView binding = find(bindingName);
		if (binding == null) {
			throw new InvalidEndpointRequestException("No running consumer binding '" + bindingName + "'",
					"No running consumer binding '" + bindingName + "'");
		}
		if (binding.deadLetterStream() == null) {
			throw new InvalidEndpointRequestException("Binding '" + bindingName + "' has no dead-letter stream",
					"Binding '" + bindingName + "' has no dead-letter stream");
		}
		return binding.deadLetterStream();
	}

	/**
	 * The running consumer bindings.
	 *
	 * @param bindings binding name to its state
	 */
	public record BindingsDescriptor(Map<String, BindingDescriptor> bindings) implements OperationResponseBody {

	}

	/**
	 * The state of one consumer binding.
	 *
	 * @param stream the stream key
	 * @param group the consumer group
	 * @param anonymous whether the group belongs to an anonymous binding
	 * @param paused whether the binding is paused and its consumers have stopped reading
	 * @param groupPresent whether the group exists in Redis
	 * @param streamLength entries in the stream
	 * @param lag entries the group has not read yet
	 * @param lagCapped whether the lag was counted and reached the counting limit
	 * @param pending the group's pending entries
	 * @param liveConsumers how many consumer loops of this instance are running
	 * @param consumers every consumer of the group, of all instances
	 * @param deadLetters the dead-letter stream, null when the binding has none
	 * @param partitions with partition-assignment dynamic: this instance's member name and lease token, the live
	 * members, its share, the partitions it owns and hands over, and the owner of every partition (lease token,
	 * "" for none); null for other bindings
	 */
	public record BindingDescriptor(String stream, String group, boolean anonymous, boolean paused,
			boolean groupPresent, long streamLength, Long lag, boolean lagCapped, PendingDescriptor pending,
			int liveConsumers, List<ConsumerDescriptor> consumers, DeadLettersDescriptor deadLetters,
			@Nullable Map<String, Object> partitions)
			implements OperationResponseBody {

	}

	/**
	 * Summary of the group's pending entries list.
	 *
	 * @param count entries delivered and not acknowledged
	 * @param oldestId the oldest pending entry
	 * @param oldestAgeMillis its age
	 * @param maxDeliveryCount the highest delivery count among the oldest pending entries
	 */
	public record PendingDescriptor(Long count, String oldestId, Long oldestAgeMillis, long maxDeliveryCount) {

	}

	/**
	 * One consumer of the group.
	 *
	 * @param name the consumer name
	 * @param pending entries it owns without having acknowledged them
	 * @param idleMillis time since it last read or claimed
	 * @param thisInstance whether it is one of this application instance's consumers
	 */
	public record ConsumerDescriptor(String name, long pending, long idleMillis, boolean thisInstance) {

	}

	/**
	 * A dead-letter stream.
	 *
	 * @param stream the dead-letter stream key
	 * @param count entries in it
	 * @param newest the newest dead letters, newest first
	 */
	public record DeadLettersDescriptor(String stream, Long count, List<DeadLetterDescriptor> newest) {

	}

	/**
	 * One dead letter.
	 *
	 * @param id its id in the dead-letter stream
	 * @param originalId its id in the source stream
	 * @param consumer the consumer that gave it up
	 * @param deliveryCount how many times it had been delivered
	 * @param failedAt when it was dead-lettered
	 * @param exceptionClass the failure's class
	 * @param exceptionMessage the failure's message
	 * @param stackTrace the failure's stack trace (only when one dead letter is read)
	 * @param payloadSize the payload's size in bytes, null when the entry had no payload field
	 * @param payload the payload as UTF-8 text (shortened in lists), only with {@code show-payloads}
	 * @param headers the original headers; their values only with {@code show-payloads}, {@value #HIDDEN}
	 * otherwise
	 */
	public record DeadLetterDescriptor(String id, String originalId, String consumer, long deliveryCount,
			Instant failedAt, String exceptionClass, String exceptionMessage, String stackTrace, Integer payloadSize,
			String payload, Map<String, String> headers) implements OperationResponseBody {

		static DeadLetterDescriptor of(DeadLetter deadLetter, int payloadLength, boolean withStackTrace,
				boolean showPayloads) {
			Integer payloadSize = (deadLetter.payload() != null) ? deadLetter.payload().length : null;
			String payload = null;
			Map<String, String> headers = deadLetter.headers();
			String exceptionMessage = deadLetter.exceptionMessage();
			String stackTrace = withStackTrace ? deadLetter.stackTrace() : null;
			if (!showPayloads && PayloadQuoting.mayQuotePayload(deadLetter.exceptionClass())) {
				// a converter's message may quote the payload it could not read
				exceptionMessage = HIDDEN;
				stackTrace = (stackTrace != null) ? HIDDEN : null;
			}
			if (showPayloads) {
				payload = deadLetter.payloadAsString();
				if (payload != null && payload.length() > payloadLength) {
					payload = payload.substring(0, payloadLength) + "...";
				}
			}
			else if (headers != null) {
				Map<String, String> hidden = new LinkedHashMap<>();
				headers.keySet().forEach((name) -> hidden.put(name, HIDDEN));
				headers = hidden;
			}
			return new DeadLetterDescriptor(deadLetter.id(), deadLetter.originalId(), deadLetter.consumer(),
					deadLetter.deliveryCount(), deadLetter.failedAt(), deadLetter.exceptionClass(), exceptionMessage,
					stackTrace, payloadSize, payload, headers);
		}

	}

	/**
	 * The outcome of a replay.
	 *
	 * @param deadLetterStream the dead-letter stream
	 * @param replayed how many dead letters went back to their stream
	 * @param remaining how many dead letters are left
	 */
	public record ReplayResult(String deadLetterStream, long replayed, long remaining) implements OperationResponseBody {

	}

	/**
	 * The outcome of a purge or deletion.
	 *
	 * @param deadLetterStream the dead-letter stream
	 * @param deleted how many dead letters were deleted
	 * @param remaining how many dead letters are left
	 */
	public record DeleteResult(String deadLetterStream, long deleted, long remaining) implements OperationResponseBody {

	}

}
