package io.github.redisstreams.binder.provisioning;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.cloud.stream.binder.ExtendedProducerProperties;
import org.springframework.cloud.stream.provisioning.ConsumerDestination;
import org.springframework.cloud.stream.provisioning.ProducerDestination;
import org.springframework.cloud.stream.provisioning.ProvisioningException;
import org.springframework.cloud.stream.provisioning.ProvisioningProvider;
import org.springframework.util.StringUtils;

import io.github.redisstreams.binder.connection.GroupOffset;
import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.properties.RedisBinderConfigurationProperties;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.properties.RedisExtendedBindingProperties;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.properties.StartOffset;
import io.github.redisstreams.binder.support.StreamKeys;

/**
 * Creates the streams and consumer groups that bindings need ({@code XGROUP CREATE ... MKSTREAM}),
 * leaving existing ones as they are, and re-creates a group that vanished (Redis restarted without
 * persistence, stream deleted, group destroyed).
 */
public class RedisStreamProvisioner implements
		ProvisioningProvider<ExtendedConsumerProperties<RedisConsumerProperties>, ExtendedProducerProperties<RedisProducerProperties>> {

	private static final Log logger = LogFactory.getLog(RedisStreamProvisioner.class);

	private static final Duration ANONYMOUS_CLEANUP_TIMEOUT = Duration.ofSeconds(2);

	private final RedisBinderConfigurationProperties binderProperties;

	private final RedisStreamConnections connections;

	public RedisStreamProvisioner(RedisBinderConfigurationProperties binderProperties,
			RedisStreamConnections connections) {
		this.binderProperties = binderProperties;
		this.connections = connections;
	}

	@Override
	public ProducerDestination provisionProducerDestination(String name,
			ExtendedProducerProperties<RedisProducerProperties> properties) throws ProvisioningException {
		String stream = StreamKeys.stream(this.binderProperties.getKeyPrefix(), name);
		int partitions = properties.isPartitioned() ? properties.getPartitionCount() : 1;
		RedisStreamProducerDestination destination = new RedisStreamProducerDestination(stream, partitions);
		String[] requiredGroups = properties.getRequiredGroups();
		if (requiredGroups != null) {
			for (String target : destination.streams()) {
				for (String group : requiredGroups) {
					// a required group must see everything produced, so it starts at the beginning
					ensureGroup(target, group, GroupOffset.FIRST);
				}
			}
		}
		return destination;
	}

	@Override
	public ConsumerDestination provisionConsumerDestination(String name, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) throws ProvisioningException {
		String stream = StreamKeys.stream(this.binderProperties.getKeyPrefix(), name);
		boolean anonymous = !StringUtils.hasText(group);
		if (properties.isPartitioned() && properties.getExtension().dynamicPartitions()) {
			return provisionSharedPartitions(stream, group, anonymous, properties);
		}
		if (properties.isPartitioned()) {
			stream = StreamKeys.partition(stream, properties.getInstanceIndex());
		}
		String groupName = anonymous ? StreamKeys.ANONYMOUS_GROUP_PREFIX + UUID.randomUUID() : group;
		// resolved first: a bad dlq-name stops the binding before anything is created
		String deadLetterStream = isDlqEnabled(properties.getExtension(), anonymous)
				? deadLetterStream(stream, groupName, anonymous, properties) : null;
		StartOffset start = properties.getExtension().getStartOffset();
		if (start == null) {
			start = anonymous ? StartOffset.LATEST : StartOffset.EARLIEST;
		}
		ensureGroup(stream, groupName, (start == StartOffset.EARLIEST) ? GroupOffset.FIRST : GroupOffset.LAST);
		if (!properties.isPartitioned()) {
			warnIfOnlyPartitionsHaveData(stream, properties.getBindingName());
		}
		return new RedisStreamConsumerDestination(stream, groupName, anonymous, deadLetterStream);
	}

	/**
	 * Partitions shared dynamically: the group on every partition stream, which any instance may come to own,
	 * and the dead-letter stream of each partition (in its slot).
	 */
	private RedisStreamConsumerDestination provisionSharedPartitions(String stream, String group, boolean anonymous,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		String bindingName = (properties.getBindingName() != null) ? properties.getBindingName()
				: properties.getExtension().bindingName();
		if (anonymous) {
			throw new IllegalArgumentException("Invalid value for '"
					+ RedisExtendedBindingProperties.consumerPrefix(bindingName) + ".partition-assignment': dynamic "
					+ "shares partitions among the instances of a group; set spring.cloud.stream.bindings."
					+ bindingName + ".group");
		}
		StartOffset start = properties.getExtension().getStartOffset();
		GroupOffset offset = (start == null || start == StartOffset.EARLIEST) ? GroupOffset.FIRST : GroupOffset.LAST;
		List<String> deadLetters = new ArrayList<>();
		int partitions = properties.getExtension().getPartitionCount();
		for (int partition = 0; partition < partitions; partition++) {
			String partitionStream = StreamKeys.partition(stream, partition);
			deadLetters.add(isDlqEnabled(properties.getExtension(), false)
					? deadLetterStream(partitionStream, group, false, properties) : null);
		}
		for (int partition = 0; partition < partitions; partition++) {
			ensureGroup(StreamKeys.partition(stream, partition), group, offset);
		}
		return new RedisStreamConsumerDestination(stream, group, false, null, Collections.unmodifiableList(deadLetters));
	}

	/**
	 * Whether a consumer binding dead-letters: by default a named group does and an anonymous binding
	 * does not.
	 */
	static boolean isDlqEnabled(RedisConsumerProperties redis, boolean anonymous) {
		return (redis.getEnableDlq() != null) ? redis.getEnableDlq() : !anonymous;
	}

	/**
	 * The dead-letter stream: {@code dlq-name}, which must share the stream's cluster slot, or the default name
	 * in the stream's hash slot.
	 */
	private String deadLetterStream(String stream, String group, boolean anonymous,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		String name = properties.getExtension().getDlqName();
		if (name == null) {
			return StreamKeys.deadLetterStream(stream, anonymous ? "anonymous" : group);
		}
		if (this.connections.isCluster() && SlotHash.getSlot(name) != SlotHash.getSlot(stream)) {
			String bindingName = (properties.getBindingName() != null) ? properties.getBindingName()
					: properties.getExtension().bindingName();
			throw new IllegalArgumentException("Invalid value for '"
					+ RedisExtendedBindingProperties.consumerPrefix(bindingName) + ".dlq-name': '" + name
					+ "' is not in the Redis Cluster slot of stream '" + stream + "'; give it the stream's hash tag, "
					+ "e.g. '" + StreamKeys.tagged(stream) + ":dlq'");
		}
		return name;
	}

	/**
	 * A consumer that is not partitioned reads the destination's own stream, which a partitioned producer
	 * never writes: say so, rather than let it wait for nothing.
	 */
	private void warnIfOnlyPartitionsHaveData(String stream, String bindingName) {
		try {
			StreamCommands commands = this.connections.shared();
			if (commands.xlen(stream) == 0 && commands.exists(StreamKeys.partition(stream, 0))) {
				logger.warn("Binding '" + bindingName + "' reads stream '" + stream + "', which is empty, while '"
						+ StreamKeys.partition(stream, 0) + "' exists: if the destination is partitioned, set "
						+ "spring.cloud.stream.bindings." + bindingName + ".consumer.partitioned=true and an instance-index");
			}
		}
		catch (RedisException ex) {
			logger.debug("Could not check stream '" + stream + "' for partitions", ex);
		}
	}

	/**
	 * Creates the group (and the stream) unless the group exists.
	 * @param stream the stream key
	 * @param group the group
	 * @param offset where the group starts
	 * @return true when the group was created now
	 */
	public boolean ensureGroup(String stream, String group, GroupOffset offset) {
		try {
			boolean created = this.connections.shared().xgroupCreate(stream, group, offset);
			if (created && logger.isDebugEnabled()) {
				logger.debug("Created consumer group '" + group + "' on stream '" + stream + "' at " + offset);
			}
			return created;
		}
		catch (RedisException ex) {
			throw new ProvisioningException("Could not create consumer group '" + group + "' on stream '" + stream
					+ "': " + ex.getMessage(), ex);
		}
	}

	/**
	 * Removes the group of an anonymous binding, which nobody will read again; left behind it would
	 * hold back safe retention of the stream forever. Waits briefly: when Redis is unreachable the
	 * binding stops anyway, and the consumer clean-up of another instance removes the group later.
	 * @param destination the unbound destination
	 */
	public void destroyAnonymousGroup(RedisStreamConsumerDestination destination) {
		if (!destination.anonymous()) {
			return;
		}
		try {
			this.connections.shared().xgroupDestroy(destination.stream(), destination.group(), ANONYMOUS_CLEANUP_TIMEOUT);
		}
		catch (RedisException ex) {
			logger.warn("Could not remove anonymous consumer group '" + destination.group() + "' from stream '"
					+ destination.stream() + "': " + ex.getMessage());
		}
	}

}
