package io.github.redisstreams.binder.recovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import org.junit.jupiter.api.Test;

import org.springframework.messaging.MessageHandlingException;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.util.ClassUtils;

import io.github.redisstreams.binder.support.MalformedEntryException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Which failures retrying can fix, without Redis.
 */
class RetryableExceptionsTests {

	@Test
	void withNothingClassifiedEveryFailureIsRetryable() {
		RetryableExceptions exceptions = new RetryableExceptions(Map.of());

		assertThat(exceptions.isRetryable(new IllegalStateException("down"))).isTrue();
		assertThat(exceptions.isRetryable(new MessageConversionException("bad"))).isTrue();
	}

	@Test
	void defaultsMarkConversionFailuresMalformedEntriesAndClassCastsNotRetryable() {
		Map<Class<? extends Throwable>, Boolean> classified = new HashMap<>();

		RetryableExceptions.addDefaults(classified);

		assertThat(classified).containsEntry(MessageConversionException.class, false)
			.containsEntry(MalformedEntryException.class, false)
			.containsEntry(ClassCastException.class, false)
			.doesNotContainValue(true);
		RetryableExceptions exceptions = new RetryableExceptions(classified);
		assertThat(exceptions.isRetryable(new MessageConversionException("not JSON"))).isFalse();
		assertThat(exceptions.isRetryable(new MalformedEntryException("no payload"))).isFalse();
		assertThat(exceptions.isRetryable(new ClassCastException("byte[] is not Order"))).isFalse();
		// anything else stays retryable
		assertThat(exceptions.isRetryable(new IllegalStateException("database down"))).isTrue();
		assertThat(exceptions.isRetryable(new UncheckedIOException(new IOException("timeout")))).isTrue();
	}

	@Test
	void defaultsIncludeTheJsonParseFailuresOfTheJacksonOnTheClasspath() throws Exception {
		Map<Class<? extends Throwable>, Boolean> classified = new HashMap<>();

		RetryableExceptions.addDefaults(classified);

		assertThat(classified).containsEntry(JacksonException.class, false);
		ClassLoader loader = getClass().getClassLoader();
		if (ClassUtils.isPresent("com.fasterxml.jackson.core.JsonProcessingException", loader)) {
			Class<?> jackson2 = ClassUtils.forName("com.fasterxml.jackson.core.JsonProcessingException", loader);
			assertThat(classified).containsEntry(jackson2.asSubclass(Throwable.class), false);
		}
		RetryableExceptions exceptions = new RetryableExceptions(classified);
		assertThat(exceptions.isRetryable(new StreamReadException("Unexpected character ('o')"))).isFalse();
	}

	@Test
	void defaultsDoNotOverrideWhatTheUserClassified() {
		Map<Class<? extends Throwable>, Boolean> classified = new HashMap<>();
		classified.put(ClassCastException.class, true);

		RetryableExceptions.addDefaults(classified);

		assertThat(classified).containsEntry(ClassCastException.class, true)
			.containsEntry(MessageConversionException.class, false);
	}

	@Test
	void listingSomeClassesAsRetryableMakesOnlyThoseRetryable() {
		Map<Class<? extends Throwable>, Boolean> classified = new HashMap<>();
		classified.put(IllegalStateException.class, true);
		RetryableExceptions.addDefaults(classified);
		RetryableExceptions exceptions = new RetryableExceptions(classified);

		assertThat(exceptions.isRetryable(new IllegalStateException("busy"))).isTrue();
		assertThat(exceptions.isRetryable(new IllegalArgumentException("unlisted"))).isFalse();
		assertThat(exceptions.isRetryable(new MessageConversionException("bad"))).isFalse();
	}

	@Test
	void theClosestListedSuperclassDecides() {
		RetryableExceptions exceptions = new RetryableExceptions(
				Map.of(RuntimeException.class, false, IllegalStateException.class, true));

		assertThat(exceptions.isRetryable(new IllegalStateException("listed itself"))).isTrue();
		assertThat(exceptions.isRetryable(new SubclassOfIllegalState())).isTrue();
		assertThat(exceptions.isRetryable(new IllegalArgumentException("only RuntimeException is listed")))
			.isFalse();
		// a checked exception is no RuntimeException: nothing decides, and some class is listed as retryable
		assertThat(exceptions.isRetryable(new IOException("unlisted"))).isFalse();
	}

	@Test
	void theCauseChainIsSearchedUntilAListedClassDecides() {
		Map<Class<? extends Throwable>, Boolean> classified = new HashMap<>();
		RetryableExceptions.addDefaults(classified);
		RetryableExceptions exceptions = new RetryableExceptions(classified);

		// how the core wraps a handler's failure, twice
		Throwable wrapped = new MessageHandlingException(
				MessageBuilder.withPayload("p").build(), "handler failed",
				new IllegalStateException("in the handler", new MalformedEntryException("no payload")));
		assertThat(exceptions.isRetryable(wrapped)).isFalse();
		assertThat(exceptions.isRetryable(new RuntimeException(new RuntimeException(new ClassCastException()))))
			.isFalse();
		assertThat(exceptions.isRetryable(new RuntimeException(new RuntimeException(new IOException())))).isTrue();
	}

	@Test
	void theOutermostListedClassOfTheChainDecides() {
		RetryableExceptions exceptions = new RetryableExceptions(
				Map.of(IllegalStateException.class, true, MalformedEntryException.class, false));

		assertThat(exceptions.isRetryable(new IllegalStateException("outer", new MalformedEntryException("inner"))))
			.isTrue();
		assertThat(exceptions.isRetryable(new MalformedEntryException("outer", new IllegalStateException("inner"))))
			.isFalse();
	}

	@Test
	void aThrowableThatIsItsOwnCauseEndsTheSearch() {
		RetryableExceptions exceptions = new RetryableExceptions(Map.of(MalformedEntryException.class, false));

		assertThat(exceptions.isRetryable(new SelfCaused())).isTrue();
	}

	/**
	 * A cause chain can be circular: {@code initCause} refuses only a throwable as its own cause. The
	 * search of the chain never ends then, and the consumer thread that asked spins for ever.
	 */
	@Test
	void aCircularCauseChainEndsTheSearch() {
		RetryableExceptions exceptions = new RetryableExceptions(Map.of(MalformedEntryException.class, false));
		IllegalStateException first = new IllegalStateException("first");
		IllegalStateException second = new IllegalStateException("second", first);
		first.initCause(second);

		boolean retryable = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> exceptions.isRetryable(first));

		assertThat(retryable).isTrue();
	}

	static class SubclassOfIllegalState extends IllegalStateException {

		private static final long serialVersionUID = 1L;

	}

	static class SelfCaused extends RuntimeException {

		private static final long serialVersionUID = 1L;

		@Override
		public synchronized Throwable getCause() {
			return this;
		}

	}

}
