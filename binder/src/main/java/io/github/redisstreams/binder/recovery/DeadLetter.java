package io.github.redisstreams.binder.recovery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.StreamEntry;

/**
 * One entry of a dead-letter stream: the original message and the record of its failure.
 *
 * @param id the id of the dead letter in the dead-letter stream
 * @param originalStream the stream it came from
 * @param originalId its id there
 * @param group the group that gave it up
 * @param consumer the consumer that gave it up
 * @param deliveryCount how many times it had been delivered
 * @param failedAt when it was dead-lettered
 * @param exceptionClass the class of the failure
 * @param exceptionMessage the message of the failure
 * @param stackTrace the stack trace of the failure (bounded)
 * @param payload the original payload (raw bytes)
 * @param headers the original headers, as text
 */
public record DeadLetter(String id, String originalStream, String originalId, String group, String consumer,
		long deliveryCount, Instant failedAt, String exceptionClass, String exceptionMessage, String stackTrace,
		byte[] payload, Map<String, String> headers) {

	/**
	 * The payload as UTF-8 text.
	 * @return the payload text
	 */
	public String payloadAsString() {
		return (this.payload != null) ? new String(this.payload, StandardCharsets.UTF_8) : null;
	}

	static DeadLetter from(StreamEntry entry) {
		Map<String, byte[]> fields = entry.fields();
		Map<String, String> headers = new LinkedHashMap<>();
		for (Map.Entry<String, byte[]> field : fields.entrySet()) {
			if (!DeadLetterFields.ALL.contains(field.getKey()) && !EntryCodec.PAYLOAD_FIELD.equals(field.getKey())) {
				headers.put(field.getKey(), text(field.getValue()));
			}
		}
		String failedAt = text(fields.get(DeadLetterFields.FAILED_AT));
		String deliveryCount = text(fields.get(DeadLetterFields.DELIVERY_COUNT));
		return new DeadLetter(entry.id(), text(fields.get(DeadLetterFields.ORIGINAL_STREAM)),
				text(fields.get(DeadLetterFields.ORIGINAL_ID)), text(fields.get(DeadLetterFields.ORIGINAL_GROUP)),
				text(fields.get(DeadLetterFields.ORIGINAL_CONSUMER)), parseLong(deliveryCount),
				(failedAt != null) ? Instant.ofEpochMilli(parseLong(failedAt)) : null,
				text(fields.get(DeadLetterFields.EXCEPTION_CLASS)), text(fields.get(DeadLetterFields.EXCEPTION_MESSAGE)),
				text(fields.get(DeadLetterFields.EXCEPTION_STACKTRACE)), fields.get(EntryCodec.PAYLOAD_FIELD), headers);
	}

	private static String text(byte[] raw) {
		return (raw != null) ? new String(raw, StandardCharsets.UTF_8) : null;
	}

	private static long parseLong(String text) {
		try {
			return (text != null) ? Long.parseLong(text) : 0;
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

}
