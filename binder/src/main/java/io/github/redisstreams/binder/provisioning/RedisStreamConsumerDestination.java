package io.github.redisstreams.binder.provisioning;

import java.util.List;

import org.springframework.cloud.stream.provisioning.ConsumerDestination;

/**
 * The stream and consumer group a consumer binding reads from.
 *
 * @param stream the stream key (of the instance's partition, for a partitioned destination)
 * @param group the Redis consumer group; a generated {@code anonymous.*} name for an anonymous binding
 * @param anonymous whether the binding has no group of its own (publish-subscribe, destroyed on unbind)
 * @param deadLetterStream the stream given-up entries go to, or null when the binding has none (or its partitions
 * are shared dynamically: see {@code partitionDeadLetterStreams})
 * @param partitionDeadLetterStreams with partitions shared dynamically (partition-assignment dynamic), the
 * dead-letter stream of each partition (index = partition; null elements when the binding has none), the
 * destination's {@code stream} being the base of the partition streams; empty otherwise
 */
public record RedisStreamConsumerDestination(String stream, String group, boolean anonymous,
		String deadLetterStream, List<String> partitionDeadLetterStreams) implements ConsumerDestination {

	/**
	 * A destination read as one stream (not partitioned, or one partition given by instance-index).
	 */
	public RedisStreamConsumerDestination(String stream, String group, boolean anonymous, String deadLetterStream) {
		this(stream, group, anonymous, deadLetterStream, List.of());
	}

	/**
	 * The number of partitions shared dynamically, 0 when the destination is read as one stream.
	 */
	public int dynamicPartitionCount() {
		return this.partitionDeadLetterStreams.size();
	}

	@Override
	public String getName() {
		return this.stream;
	}

}
