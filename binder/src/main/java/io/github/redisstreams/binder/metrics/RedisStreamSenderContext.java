package io.github.redisstreams.binder.metrics;

import org.springframework.integration.support.MutableMessage;
import org.springframework.integration.support.management.observation.MessageSenderContext;

/**
 * The observation context of one message written by a producer binding: Spring Integration's sender
 * context (the trace context is injected into the message headers, which become entry fields) plus
 * the target stream.
 */
public class RedisStreamSenderContext extends MessageSenderContext {

	private final String stream;

	/**
	 * @param message the message to write; receives the propagation headers
	 * @param bindingName the producer binding
	 * @param stream the stream written to
	 */
	public RedisStreamSenderContext(MutableMessage<?> message, String bindingName, String stream) {
		super(message, bindingName);
		this.stream = stream;
		setRemoteServiceName("redis");
	}

	public String getStream() {
		return this.stream;
	}

}
