package io.github.redisstreams.binder.inbound;

import java.util.List;

import org.springframework.cloud.stream.function.StandardBatchUtils;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;

import io.github.redisstreams.binder.support.RedisStreamHeaders;

/**
 * The message a batch handler ({@code batch-mode: true}) receives: the payloads of its entries as a list,
 * each entry's headers (entry id, delivery count, user headers) in the same order under Spring Cloud
 * Stream's standard batch header ({@code scst_batchHeaders}, read with {@link StandardBatchUtils}), and the
 * headers the entries share (stream, group, consumer, content type) on the message itself, so that the
 * framework converts every payload as it would a single message's.
 */
final class BatchMessages {

	/** Headers that are the same for every entry of a batch and are also set on the batch message. */
	private static final List<String> SHARED = List.of(MessageHeaders.CONTENT_TYPE, RedisStreamHeaders.STREAM,
			RedisStreamHeaders.GROUP, RedisStreamHeaders.CONSUMER);

	private BatchMessages() {
	}

	/**
	 * @param messages the entries' messages, in stream order; not empty
	 * @return the batch message
	 */
	static Message<List<Object>> of(List<Message<byte[]>> messages) {
		StandardBatchUtils.BatchMessageBuilder builder = new StandardBatchUtils.BatchMessageBuilder();
		for (Message<byte[]> message : messages) {
			builder.addMessage(message.getPayload(), message.getHeaders());
		}
		MessageHeaders first = messages.get(0).getHeaders();
		for (String name : SHARED) {
			Object value = first.get(name);
			if (value != null) {
				builder.addRootHeader(name, value);
			}
		}
		return builder.build();
	}

}
