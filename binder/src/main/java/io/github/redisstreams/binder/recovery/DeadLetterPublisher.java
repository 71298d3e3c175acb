package io.github.redisstreams.binder.recovery;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;

import org.springframework.messaging.MessagingException;

import io.github.redisstreams.binder.connection.LuaScript;
import io.github.redisstreams.binder.connection.RedisErrors;
import io.github.redisstreams.binder.connection.ScriptArgs;
import io.github.redisstreams.binder.connection.StreamCommands;
import io.github.redisstreams.binder.support.Delivery;

/**
 * Moves an entry to its dead-letter stream together with the record of its failure, and acknowledges
 * it in the source stream, in one Lua script: there is no moment at which the message is in neither
 * stream, nor in both. The dead-letter stream shares the source stream's hash slot, so the script
 * also runs on Redis Cluster.
 */
public class DeadLetterPublisher {

	private static final LuaScript SCRIPT = LuaScript.load("dead-letter.lua");

	private final StreamCommands commands;

	private final String stream;

	private final String group;

	private final String deadLetterStream;

	private final long maxLen;

	public DeadLetterPublisher(StreamCommands commands, String stream, String group, String deadLetterStream,
			long maxLen) {
		this.commands = commands;
		this.stream = stream;
		this.group = group;
		this.deadLetterStream = deadLetterStream;
		this.maxLen = maxLen;
	}

	public String deadLetterStream() {
		return this.deadLetterStream;
	}

	/**
	 * Dead-letters one pending entry.
	 * @param delivery the entry and its delivery count
	 * @param consumer the consumer that owns it
	 * @param cause why it is given up
	 * @return the id of the dead letter, or null when the entry was no longer pending for this consumer
	 * (another consumer claimed it meanwhile, and now decides its fate)
	 */
	public String publish(Delivery delivery, String consumer, Throwable cause) {
		ScriptArgs args = ScriptArgs.of(this.group, delivery.id(), consumer, this.maxLen);
		for (Map.Entry<String, byte[]> field : delivery.entry().fields().entrySet()) {
			if (!DeadLetterFields.ALL.contains(field.getKey())) {
				args.add(field.getKey());
				args.add(field.getValue());
			}
		}
		Throwable reported = reportedCause(cause);
		addField(args, DeadLetterFields.ORIGINAL_STREAM, this.stream);
		addField(args, DeadLetterFields.ORIGINAL_ID, delivery.id());
		addField(args, DeadLetterFields.ORIGINAL_GROUP, this.group);
		addField(args, DeadLetterFields.ORIGINAL_CONSUMER, consumer);
		addField(args, DeadLetterFields.DELIVERY_COUNT, Long.toString(delivery.deliveryCount()));
		addField(args, DeadLetterFields.FAILED_AT, Long.toString(System.currentTimeMillis()));
		addField(args, DeadLetterFields.EXCEPTION_CLASS, reported.getClass().getName());
		addField(args, DeadLetterFields.EXCEPTION_MESSAGE, String.valueOf(reported.getMessage()));
		// the application's exception: the messaging wrappers around it print the failed message with its headers
		addField(args, DeadLetterFields.EXCEPTION_STACKTRACE, boundedStackTrace(reported));
		byte[] id;
		try {
			id = this.commands.eval(SCRIPT, ScriptOutputType.VALUE, List.of(this.stream, this.deadLetterStream), args);
		}
		catch (RedisCommandExecutionException ex) {
			if (RedisErrors.isWrongType(ex)) {
				// the source stream was just read as a stream: the dead-letter key is the one of another type
				throw new RedisCommandExecutionException("The dead-letter stream key '" + this.deadLetterStream
						+ "' holds a value that is not a stream: rename or delete it (TYPE, RENAME, DEL), or choose "
						+ "another dlq-name; the entry stays pending meanwhile (" + ex.getMessage() + ")", ex);
			}
			throw ex;
		}
		return (id != null) ? new String(id, StandardCharsets.UTF_8) : null;
	}

	/**
	 * The exception worth recording: the application's own, not the messaging wrappers around it.
	 */
	static Throwable reportedCause(Throwable cause) {
		Throwable current = cause;
		while (current instanceof MessagingException && current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	static String boundedStackTrace(Throwable cause) {
		StringWriter writer = new StringWriter();
		cause.printStackTrace(new PrintWriter(writer));
		String trace = writer.toString();
		if (trace.length() <= DeadLetterFields.MAX_STACK_TRACE_LENGTH) {
			return trace;
		}
		return trace.substring(0, DeadLetterFields.MAX_STACK_TRACE_LENGTH) + "\n\t... (truncated)";
	}

	private static void addField(ScriptArgs args, String name, String value) {
		args.add(name);
		args.add(value);
	}

}
