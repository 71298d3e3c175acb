package io.github.redisstreams.binder.test;

import java.util.Map;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The extension deletes the keys of a test after it, and the keys of the class only after the class.
 */
@ExtendWith(RedisExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisExtensionTests {

	private static String classStream;

	private static String testStream;

	private static String fixedKey;

	@BeforeAll
	static void createClassKeys(TestKeys keys, StreamInspector redis) {
		classStream = keys.unique("extension-class");
		redis.add(classStream, Map.of("payload", "lives as long as the class"));
	}

	@Test
	@Order(1)
	void aTestCreatesKeys(RedisCommands<String, String> redis, TestKeys keys, StreamInspector inspector) {
		testStream = keys.unique("extension-test");
		fixedKey = keys.register("extension-fixed-" + testStream.substring(testStream.lastIndexOf('-') + 1));
		inspector.add(testStream, Map.of("payload", "p"));
		// keys derived from the unique name: a partition, a dead-letter stream, a marker
		redis.xadd(testStream + "-1", "payload", "p");
		redis.xadd("{" + testStream + "}:billing:dlq", "payload", "p");
		redis.set("{" + testStream + "}:billing:processed:o-1", "1");
		redis.set(fixedKey, "1");

		assertThat(redis.exists(testStream, testStream + "-1", fixedKey)).isEqualTo(3);
	}

	@Test
	@Order(2)
	void itsKeysAreGoneAfterItButTheClassKeysStay(RedisCommands<String, String> redis, StreamInspector inspector) {
		assertThat(testStream).isNotNull();
		assertThat(redis.keys("*" + testStream + "*")).isEmpty();
		assertThat(redis.exists(fixedKey)).isZero();
		assertThat(inspector.exists(classStream)).isTrue();
	}

	@Test
	@Order(3)
	void theInspectorIsOnePerClass(StreamInspector first, StreamInspector second) {
		assertThat(first).isSameAs(second);
	}

}
