package io.github.redisstreams.binder.inbound;

import java.time.Duration;
import java.util.List;

import io.github.redisstreams.binder.properties.RedisConsumerProperties;

/**
 * What one consumer binding reads and how.
 *
 * @param bindingName the binding, e.g. {@code process-in-0}
 * @param stream the stream key
 * @param group the Redis consumer group
 * @param anonymous whether the group was generated for an anonymous binding
 * @param consumerNames one consumer name per concurrency slot
 * @param redis the binding's Redis-specific consumer properties
 * @param deadLetterStream the dead-letter stream, or null when the binding dead-letters nothing
 * @param batchMode whether the handler takes a batch of entries per call (the core's {@code batch-mode})
 * @param contentType the binding's content type, for entries that carry none (the core's {@code content-type})
 * @param takeoverIdleTime for the one consumer of a partition, which keeps the stream's order: how long another
 * consumer's pending entry must have been idle before it is taken over (the partition lease time, or
 * claim-idle-time with a static instance-index); null for a binding that is not partitioned
 */
public record ConsumerSettings(String bindingName, String stream, String group, boolean anonymous,
		List<String> consumerNames, RedisConsumerProperties redis, String deadLetterStream, boolean batchMode,
		String contentType, Duration takeoverIdleTime) {

	/**
	 * The settings of a binding that is not partitioned.
	 */
	public ConsumerSettings(String bindingName, String stream, String group, boolean anonymous,
			List<String> consumerNames, RedisConsumerProperties redis, String deadLetterStream, boolean batchMode,
			String contentType) {
		this(bindingName, stream, group, anonymous, consumerNames, redis, deadLetterStream, batchMode, contentType,
				null);
	}

	/**
	 * Whether the binding reads one partition with one consumer, in stream order: pending entries (a failed one,
	 * those of a previous owner) are finished, oldest first, before anything newer is read.
	 */
	public boolean ordered() {
		return this.takeoverIdleTime != null;
	}

	/**
	 * A short description for log messages.
	 * @return e.g. {@code binding 'process-in-0' (stream 'orders', group 'order-service')}
	 */
	public String describe() {
		return "binding '" + this.bindingName + "' (stream '" + this.stream + "', group '" + this.group + "')";
	}

}
