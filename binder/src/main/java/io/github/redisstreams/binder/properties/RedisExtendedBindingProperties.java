package io.github.redisstreams.binder.properties;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
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
