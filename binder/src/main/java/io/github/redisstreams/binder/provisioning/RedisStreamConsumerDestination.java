package io.github.redisstreams.binder.provisioning;

import org.springframework.cloud.stream.provisioning.ConsumerDestination;

/**
 * The stream and consumer group a consumer binding reads from.
 *
 * @param stream the stream key (of the instance's partition, for a partitioned destination)
 * @param group the Redis consumer group; a generated {@code anonymous.*} name for an anonymous binding
 * @param anonymous whether the binding has no group of its own (publish-subscribe, destroyed on unbind)
 * @param deadLetterStream the stream given-up entries go to, or null when the binding has none
 */
public record RedisStreamConsumerDestination(String stream, String group, boolean anonymous,
		String deadLetterStream) implements ConsumerDestination {

	@Override
	public String getName() {
		return this.stream;
	}

}
