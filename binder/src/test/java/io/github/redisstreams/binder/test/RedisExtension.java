package io.github.redisstreams.binder.test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests against the real Redis of {@link RedisTestSupport} what they need, as parameters of test
 * methods and of {@code @BeforeAll}, {@code @BeforeEach} and {@code @AfterEach} methods:
 * <ul>
 * <li>{@code RedisCommands<String, String>}: the commands of {@link RedisTestSupport#commands()}, one
 * connection shared by the JVM;</li>
 * <li>{@link StreamInspector}: one per test class, closed after its last test;</li>
 * <li>{@link TestKeys}: names of the keys a test creates. Resolved for a test (in the test method or in
 * a {@code @BeforeEach} or {@code @AfterEach} method) its keys are deleted after that test, after the
 * {@code @AfterEach} methods; resolved in a {@code @BeforeAll} method, for keys that live as long as an
 * application shared by the tests of the class, they are deleted after the class, after the
 * {@code @AfterAll} methods.</li>
 * </ul>
 * The keys are deleted also when a test fails.
 */
public final class RedisExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
		.create(RedisExtension.class);

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		Class<?> type = parameterContext.getParameter().getType();
		if (type == RedisCommands.class) {
			return isOfStrings(parameterContext.getParameter().getParameterizedType());
		}
		return type == StreamInspector.class || type == TestKeys.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		Class<?> type = parameterContext.getParameter().getType();
		if (type == RedisCommands.class) {
			return RedisTestSupport.commands();
		}
		if (type == StreamInspector.class) {
			return classContext(extensionContext).getStore(NAMESPACE)
				.computeIfAbsent(StreamInspector.class, (key) -> StreamInspector.connect(), StreamInspector.class);
		}
		if (type == TestKeys.class) {
			// a test's own context, or the class's in @BeforeAll; keyed by the context, since a store
			// also answers with what its parents hold
			return extensionContext.getStore(NAMESPACE)
				.computeIfAbsent(keysOf(extensionContext), (key) -> new TestKeys(), TestKeys.class);
		}
		throw new ParameterResolutionException("Cannot resolve " + parameterContext.getParameter());
	}

	@Override
	public void afterEach(ExtensionContext context) {
		deleteKeys(context);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		try {
			deleteKeys(context);
		}
		finally {
			StreamInspector inspector = context.getStore(NAMESPACE).remove(StreamInspector.class, StreamInspector.class);
			if (inspector != null) {
				inspector.close();
			}
		}
	}

	private static void deleteKeys(ExtensionContext context) {
		TestKeys keys = context.getStore(NAMESPACE).remove(keysOf(context), TestKeys.class);
		if (keys != null) {
			keys.deleteAll(RedisTestSupport.commands());
		}
	}

	private static String keysOf(ExtensionContext context) {
		return TestKeys.class.getName() + ":" + context.getUniqueId();
	}

	private static ExtensionContext classContext(ExtensionContext context) {
		ExtensionContext current = context;
		while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
			current = current.getParent().get();
		}
		return current;
	}

	private static boolean isOfStrings(Type type) {
		if (!(type instanceof ParameterizedType parameterized)) {
			return true;
		}
		for (Type argument : parameterized.getActualTypeArguments()) {
			if (argument != String.class) {
				return false;
			}
		}
		return true;
	}

}
