package io.github.redisstreams.binder.idempotency;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.DataBindingPropertyAccessor;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.util.MimeType;

import io.github.redisstreams.binder.connection.StreamCommands;

/**
 * Recognises deliveries whose business key was already processed successfully.
 * <p>
 * The key comes from a SpEL expression evaluated on the incoming message, with a JSON payload seen as a
 * map of its fields ({@code payload.orderId}) and headers by name ({@code headers['orderId']}). The
 * processed marker of a key lives under {@code <tagged stream>:<group>:processed:<key>}, in the stream's
 * hash slot, and is written by the acknowledging script in the same atomic step as the {@code XACK}
 * (see {@code ack-and-mark.lua}), only after the handler succeeded: a key is never marked for a message
 * that was not processed. Evaluation uses a restricted context (no type references, no method calls on
 * arbitrary beans), since the expression runs on data from the network.
 */
public class IdempotencyGuard {

	private static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private final Expression keyExpression;

	private final String markerPrefix;

	private final Duration ttl;

	private final JsonMapper jsonMapper = JsonMapper.builder().build();

	private final SimpleEvaluationContext context = SimpleEvaluationContext
		.forPropertyAccessors(new LenientMapAccessor(), DataBindingPropertyAccessor.forReadOnlyAccess())
		.build();

	/**
	 * @param keyExpression the SpEL expression of the business key
	 * @param markerPrefix the key prefix of the markers of the stream and group
	 * @param ttl how long markers live
	 * @param property the property name, for the error of an unparsable expression
	 */
	public IdempotencyGuard(String keyExpression, String markerPrefix, Duration ttl, String property) {
		try {
			this.keyExpression = PARSER.parseExpression(keyExpression);
		}
		catch (ParseException ex) {
			throw new IllegalArgumentException("Invalid value for '" + property + "': not a SpEL expression: "
					+ ex.getMessage(), ex);
		}
		this.markerPrefix = markerPrefix;
		this.ttl = ttl;
	}

	public Duration ttl() {
		return this.ttl;
	}

	/**
	 * The marker key of a message.
	 * @param message the incoming message (raw payload)
	 * @return the marker key, or null when the message has no business key
	 * @throws EvaluationException when the expression cannot be evaluated on this message
	 */
	public String markerKey(Message<byte[]> message) {
		Object key = this.keyExpression.getValue(this.context, root(message));
		if (key == null) {
			return null;
		}
		String text = key.toString();
		return text.isEmpty() ? null : this.markerPrefix + text;
	}

	/**
	 * Which of the marker keys are present (their messages were processed), in one {@code MGET}.
	 * @param commands the connection
	 * @param markerKeys the keys to check
	 * @return the keys that are marked
	 */
	public Set<String> processed(StreamCommands commands, Collection<String> markerKeys) {
		if (markerKeys.isEmpty()) {
			return Set.of();
		}
		return commands.mget(new ArrayList<>(markerKeys));
	}

	private Map<String, Object> root(Message<byte[]> message) {
		// a HashMap: a payload of JSON null is a null root property, not a failure
		Map<String, Object> root = new HashMap<>(4);
		root.put("payload", payloadView(message));
		root.put("headers", message.getHeaders());
		return root;
	}

	private Object payloadView(Message<byte[]> message) {
		byte[] payload = message.getPayload();
		if (isJson(message.getHeaders())) {
			try {
				return this.jsonMapper.readValue(payload, Object.class);
			}
			catch (RuntimeException ex) {
				// not JSON after all: the expression sees the text
			}
		}
		return new String(payload, StandardCharsets.UTF_8);
	}

	private static boolean isJson(MessageHeaders headers) {
		Object contentType = headers.get(MessageHeaders.CONTENT_TYPE);
		if (contentType == null) {
			return true;
		}
		try {
			String subtype = (contentType instanceof MimeType mimeType) ? mimeType.getSubtype()
					: MimeType.valueOf(contentType.toString()).getSubtype();
			return subtype.contains("json");
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

}
