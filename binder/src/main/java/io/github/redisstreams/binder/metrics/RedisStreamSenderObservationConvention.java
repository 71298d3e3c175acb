package io.github.redisstreams.binder.metrics;

import io.micrometer.common.KeyValues;

import org.springframework.integration.support.management.observation.DefaultMessageSenderObservationConvention;
import org.springframework.integration.support.management.observation.MessageSenderContext;

/**
 * Spring Integration's producer observation convention with the messaging attributes of a Redis
 * stream: {@code messaging.system=redis} and {@code messaging.destination.name=<stream>}.
 */
public class RedisStreamSenderObservationConvention extends DefaultMessageSenderObservationConvention {

	/**
	 * The shared instance.
	 */
	public static final RedisStreamSenderObservationConvention INSTANCE = new RedisStreamSenderObservationConvention();

	@Override
	public KeyValues getLowCardinalityKeyValues(MessageSenderContext context) {
		KeyValues values = super.getLowCardinalityKeyValues(context).and("messaging.system", "redis");
		if (context instanceof RedisStreamSenderContext redis) {
			values = values.and("messaging.destination.name", redis.getStream());
		}
		return values;
	}

}
