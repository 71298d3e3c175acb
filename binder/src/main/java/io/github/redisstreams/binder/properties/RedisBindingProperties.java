package io.github.redisstreams.binder.properties;

import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.cloud.stream.binder.BinderSpecificPropertiesProvider;

/**
 * The Redis-specific consumer and producer properties of one binding.
 */
public class RedisBindingProperties implements BinderSpecificPropertiesProvider {

	/**
	 * Redis-specific consumer properties.
	 */
	@NestedConfigurationProperty
	private RedisConsumerProperties consumer = new RedisConsumerProperties();

	/**
	 * Redis-specific producer properties.
	 */
	@NestedConfigurationProperty
	private RedisProducerProperties producer = new RedisProducerProperties();

	@Override
	public RedisConsumerProperties getConsumer() {
		return this.consumer;
	}

	public void setConsumer(RedisConsumerProperties consumer) {
		this.consumer = consumer;
	}

	@Override
	public RedisProducerProperties getProducer() {
		return this.producer;
	}

	public void setProducer(RedisProducerProperties producer) {
		this.producer = producer;
	}

}
