package io.github.redisstreams.binder.metrics;

import java.util.List;

import io.github.redisstreams.binder.connection.ConsumerInfo;

/**
 * What Redis knows about the consumer group of one binding at one moment.
 *
 * @param binding the binding name
 * @param stream the stream key
 * @param group the consumer group
 * @param groupPresent whether the group exists on the stream
 * @param streamLength entries in the stream
 * @param lag entries the group has not read yet, null when the group is missing; when Redis cannot
 * report it, counted up to {@link BindingStateReader#LAG_COUNT_LIMIT}
 * @param lagCapped whether the lag was counted and reached that limit (the real lag is higher)
 * @param pending entries delivered and not acknowledged (PEL size), null when the group is missing
 * @param oldestPendingId id of the oldest pending entry, null when none
 * @param oldestPendingAgeMillis time since the oldest pending entry was added to the stream, null when
 * none
 * @param maxDeliveryCount the highest delivery count among the oldest
 * {@link BindingStateReader#PENDING_SAMPLE_SIZE} pending entries, 0 when none
 * @param deadLetterStream the dead-letter stream, null when the binding has none
 * @param deadLetterCount entries in the dead-letter stream, null when the binding has none
 * @param consumers the consumers of the group (all instances), empty unless asked for
 */
public record BindingState(String binding, String stream, String group, boolean groupPresent, long streamLength,
		Long lag, boolean lagCapped, Long pending, String oldestPendingId, Long oldestPendingAgeMillis,
		long maxDeliveryCount, String deadLetterStream, Long deadLetterCount, List<ConsumerInfo> consumers) {

}
