package io.github.redisstreams.binder.properties;

/**
 * Who acknowledges an entry of a consumer binding.
 */
public enum AckMode {

	/**
	 * The binder, once the handler returned and the writes it made through the binder are stored; a handler
	 * that throws has its entry retried, delivered again or dead-lettered.
	 */
	AUTO,

	/**
	 * The application, through the {@code RedisStreamAcknowledgment} in the message's
	 * {@code redis_acknowledgment} header, from any thread, at any time after the handler got the message.
	 */
	MANUAL

}
