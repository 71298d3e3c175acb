package io.github.redisstreams.binder.provisioning;

import java.util.List;
import java.util.stream.IntStream;

import org.springframework.cloud.stream.provisioning.ProducerDestination;

import io.github.redisstreams.binder.support.StreamKeys;

/**
 * The stream (or the streams, one per partition) a producer binding writes to.
 *
 * @param stream the stream key of the destination
 * @param partitionCount the number of partitions, 1 when not partitioned
 */
public record RedisStreamProducerDestination(String stream, int partitionCount) implements ProducerDestination {

	@Override
	public String getName() {
		return this.stream;
	}

	@Override
	public String getNameForPartition(int partition) {
		return (this.partitionCount > 1) ? StreamKeys.partition(this.stream, partition) : this.stream;
	}

	/**
	 * Every stream this producer may write to.
	 * @return the partition streams, or the single stream
	 */
	public List<String> streams() {
		if (this.partitionCount <= 1) {
			return List.of(this.stream);
		}
		return IntStream.range(0, this.partitionCount).mapToObj(this::getNameForPartition).toList();
	}

}
