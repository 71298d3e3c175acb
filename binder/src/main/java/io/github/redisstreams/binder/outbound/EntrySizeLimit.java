package io.github.redisstreams.binder.outbound;

import java.util.Map;

import org.springframework.messaging.Message;

import io.github.redisstreams.binder.properties.RedisExtendedBindingProperties;
import io.github.redisstreams.binder.support.EntryTooLargeException;

/**
 * A producer binding's {@code max-entry-size}: the most bytes (field names and values) one entry may have.
 */
public final class EntrySizeLimit {

	/** No limit. */
	public static final EntrySizeLimit NONE = new EntrySizeLimit("", 0);

	private final String bindingName;

	private final long maxBytes;

	/**
	 * @param bindingName the producer binding, named in the error
	 * @param maxBytes the limit; 0 for none
	 */
	public EntrySizeLimit(String bindingName, long maxBytes) {
		this.bindingName = bindingName;
		this.maxBytes = maxBytes;
	}

	/**
	 * The size of an entry: its field names and values, in bytes.
	 * @param fields the encoded entry
	 * @return its size
	 */
	public static long sizeOf(Map<byte[], byte[]> fields) {
		long size = 0;
		for (Map.Entry<byte[], byte[]> field : fields.entrySet()) {
			size += field.getKey().length + field.getValue().length;
		}
		return size;
	}

	/**
	 * Refuses an entry larger than the limit.
	 * @param message the message being sent
	 * @param stream the stream it goes to
	 * @param fields its encoded entry
	 * @throws EntryTooLargeException when the entry is larger than the limit
	 */
	public void check(Message<?> message, String stream, Map<byte[], byte[]> fields) {
		if (this.maxBytes <= 0) {
			return;
		}
		long size = sizeOf(fields);
		if (size > this.maxBytes) {
			String property = RedisExtendedBindingProperties.producerPrefix(this.bindingName) + ".max-entry-size";
			throw new EntryTooLargeException(message,
					"The message sent to binding '" + this.bindingName + "' (stream '" + stream + "') is " + size
							+ " bytes as a stream entry (payload and headers), more than the " + this.maxBytes
							+ " bytes allowed by " + property + "; it was not written",
					size, this.maxBytes);
		}
	}

}
