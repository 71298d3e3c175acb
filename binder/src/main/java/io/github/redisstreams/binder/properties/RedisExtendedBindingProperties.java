package io.github.redisstreams.binder.properties;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.cloud.stream.binder.AbstractExtendedBindingProperties;
import org.springframework.cloud.stream.binder.BinderSpecificPropertiesProvider;

/**
 * Redis-specific properties per binding: {@code spring.cloud.stream.redis.bindings.<binding>.*},
 * with defaults for all bindings under {@code spring.cloud.stream.redis.default.*}.
 */
@ConfigurationProperties(RedisExtendedBindingProperties.PREFIX)
public class RedisExtendedBindingProperties extends
		AbstractExtendedBindingProperties<RedisConsumerProperties, RedisProducerProperties, RedisBindingProperties> {

	/**
	 * Prefix of the per-binding properties.
	 */
	public static final String PREFIX = "spring.cloud.stream.redis";

	private static final String DEFAULTS_PREFIX = PREFIX + ".default";

	private final RedisBindingProperties defaults = new RedisBindingProperties();

	/**
	 * Redis-specific consumer and producer properties that apply to every binding unless the binding sets
	 * its own under {@code spring.cloud.stream.redis.bindings.<binding>}. Declared so that the configuration
	 * metadata documents each property with its default value.
	 * @return the defaults
	 */
	@NestedConfigurationProperty
	public RedisBindingProperties getDefault() {
		return this.defaults;
	}

	@Override
	public String getDefaultsPrefix() {
		return DEFAULTS_PREFIX;
	}

	@Override
	public Map<String, RedisBindingProperties> getBindings() {
		return doGetBindings();
	}

	@Override
	public Class<? extends BinderSpecificPropertiesProvider> getExtendedPropertiesEntryClass() {
		return RedisBindingProperties.class;
	}

	/**
	 * The property prefix of a binding's consumer properties, for error messages.
	 * @param bindingName the binding
	 * @return e.g. {@code spring.cloud.stream.redis.bindings.input.consumer}
	 */
	public static String consumerPrefix(String bindingName) {
		return PREFIX + ".bindings." + bindingName + ".consumer";
	}

	/**
	 * The property prefix of a binding's producer properties, for error messages.
	 * @param bindingName the binding
	 * @return e.g. {@code spring.cloud.stream.redis.bindings.output.producer}
	 */
	public static String producerPrefix(String bindingName) {
		return PREFIX + ".bindings." + bindingName + ".producer";
	}

}
