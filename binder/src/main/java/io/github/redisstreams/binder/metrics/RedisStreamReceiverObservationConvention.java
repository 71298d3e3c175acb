package io.github.redisstreams.binder.metrics;

import io.micrometer.common.KeyValues;

import org.springframework.integration.support.management.observation.DefaultMessageReceiverObservationConvention;
import org.springframework.integration.support.management.observation.MessageReceiverContext;
import org.springframework.messaging.MessageHeaders;

import io.github.redisstreams.binder.support.RedisStreamHeaders;

/**
 * Spring Integration's receiver observation convention with the messaging attributes of a Redis
 * stream, read from the delivery headers: {@code messaging.system=redis},
 * {@code messaging.destination.name} (the stream), {@code messaging.consumer.group.name} and, with
 * high cardinality, {@code messaging.message.id} (the entry id).
 */
public class RedisStreamReceiverObservationConvention extends DefaultMessageReceiverObservationConvention {

	/**
	 * The shared instance.
	 */
	public static final RedisStreamReceiverObservationConvention INSTANCE = new RedisStreamReceiverObservationConvention();

	@Override
	public KeyValues getLowCardinalityKeyValues(MessageReceiverContext context) {
		MessageHeaders headers = context.getCarrier().getHeaders();
		return super.getLowCardinalityKeyValues(context).and("messaging.system", "redis")
			.and("messaging.destination.name", text(headers.get(RedisStreamHeaders.STREAM)))
			.and("messaging.consumer.group.name", text(headers.get(RedisStreamHeaders.GROUP)));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(MessageReceiverContext context) {
		return super.getHighCardinalityKeyValues(context).and("messaging.message.id",
				text(context.getCarrier().getHeaders().get(RedisStreamHeaders.ENTRY_ID)));
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : "unknown";
	}

}
