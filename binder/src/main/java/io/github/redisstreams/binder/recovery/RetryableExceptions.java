package io.github.redisstreams.binder.recovery;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.util.ClassUtils;

import io.github.redisstreams.binder.support.InvalidStepException;
import io.github.redisstreams.binder.support.MalformedEntryException;

/**
 * Tells whether retrying can fix a failure, from the binding's {@code retryable-exceptions} map
 * (the core consumer property): the cause chain is searched and the closest listed class decides. As
 * in the core's retry policy, when some classes are listed as retryable, only those are. Conversion
 * failures (including the JSON parser's own exceptions, which Spring Cloud Function lets through when a
 * payload is not the JSON the handler expects, and the {@code ClassCastException} of a payload that no
 * converter could turn into the handler's type) and malformed entries are not retryable by default: the
 * same bytes fail the same way every time.
 */
public final class RetryableExceptions {

	/** Parse and mapping failures of Jackson 3 and Jackson 2, whichever is present. */
	private static final String[] JSON_PARSE_FAILURES = { "tools.jackson.core.JacksonException",
			"com.fasterxml.jackson.core.JsonProcessingException" };

	private final Map<Class<? extends Throwable>, Boolean> classified;

	private final boolean retryableByDefault;

	public RetryableExceptions(Map<Class<? extends Throwable>, Boolean> classified) {
		this.classified = Map.copyOf(classified);
		this.retryableByDefault = !classified.containsValue(Boolean.TRUE);
	}

	/**
	 * Adds the binder's non-retryable defaults to a binding's map, unless the user classified them.
	 * @param classified the binding's {@code retryable-exceptions}, modified in place
	 */
	public static void addDefaults(Map<Class<? extends Throwable>, Boolean> classified) {
		classified.putIfAbsent(MessageConversionException.class, false);
		classified.putIfAbsent(MalformedEntryException.class, false);
		classified.putIfAbsent(InvalidStepException.class, false);
		// a payload of another type than the handler takes (an entry whose contentType no converter reads)
		classified.putIfAbsent(ClassCastException.class, false);
		for (String jsonFailure : JSON_PARSE_FAILURES) {
			Class<? extends Throwable> type = loadIfPresent(jsonFailure);
			if (type != null) {
				classified.putIfAbsent(type, false);
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static Class<? extends Throwable> loadIfPresent(String className) {
		try {
			return (Class<? extends Throwable>) ClassUtils.forName(className, RetryableExceptions.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return null;
		}
	}

	public boolean isRetryable(Throwable failure) {
		// a cause chain may loop (a -> b -> a): each exception is looked at once
		Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
		for (Throwable current = failure; current != null && seen.add(current); current = current.getCause()) {
			Boolean decision = closest(current);
			if (decision != null) {
				return decision;
			}
		}
		return this.retryableByDefault;
	}

	private Boolean closest(Throwable throwable) {
		Boolean decision = null;
		int bestDistance = Integer.MAX_VALUE;
		for (Map.Entry<Class<? extends Throwable>, Boolean> entry : this.classified.entrySet()) {
			int distance = distance(throwable.getClass(), entry.getKey());
			if (distance >= 0 && distance < bestDistance) {
				bestDistance = distance;
				decision = entry.getValue();
			}
		}
		return decision;
	}

	private static int distance(Class<?> type, Class<?> candidate) {
		int distance = 0;
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			if (current == candidate) {
				return distance;
			}
			distance++;
		}
		return -1;
	}

}
