package io.github.redisstreams.binder.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replaying all dead letters replays those the dead-letter stream held when the replay began, and ends,
 * even when every replayed entry is dead-lettered again at once.
 */
class DeadLetterReplayTests {

	static final RedisCommands<String, String> redis = RedisTestSupport.commands();

	static RedisClient client;

	static LettuceConnectionFactory connectionFactory;

	static RedisStreamDeadLetterOperations operations;

	@BeforeAll
	static void connect() {
		client = RedisTestSupport.client();
		connectionFactory = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(RedisTestSupport.redisUrl()));
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		operations = new RedisStreamDeadLetterOperations(connectionFactory);
	}

	@AfterAll
	static void disconnect() {
		operations.destroy();
		connectionFactory.destroy();
		client.shutdown();
	}

	@Test
	void replayAllStopsAtTheDeadLettersThereWhenItBeganWhileReplayedOnesComeStraightBack() throws Exception {
		String stream = RedisTestSupport.uniqueName("replay-bound");
		String deadLetters = RedisStreamDeadLetterOperations.deadLetterStream(stream, "billing");
		// more than one page of the replay
		int initial = 350;
		for (int i = 0; i < initial; i++) {
			redis.xadd(deadLetters, deadLetter(stream, "m-" + i));
		}
		AtomicBoolean stop = new AtomicBoolean();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		Future<Integer> failingAgain = executor.submit(() -> deadLetterAgainAtOnce(stream, deadLetters, stop));
		try {
			CompletableFuture<Integer> replay = CompletableFuture.supplyAsync(() -> operations.replayAll(deadLetters));

			assertThat(replay).succeedsWithin(Duration.ofSeconds(15)).isEqualTo(initial);
			// each came back once, none was replayed twice
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(redis.xlen(deadLetters)).isEqualTo(initial));
			assertThat(redis.xlen(stream)).isEqualTo(initial);
		}
		finally {
			stop.set(true);
			assertThat(failingAgain.get(10, TimeUnit.SECONDS)).isGreaterThan(0);
			executor.shutdown();
			redis.del(stream, deadLetters);
		}
	}

	@Test
	void replayAllOfAnEmptyOrMissingDeadLetterStreamReplaysNothing() {
		String deadLetters = RedisStreamDeadLetterOperations.deadLetterStream(RedisTestSupport.uniqueName("none"), "billing");
		assertThat(operations.replayAll(deadLetters)).isZero();
	}

	/**
	 * What a consumer does whose handler still fails and whose max-deliveries is 1: every entry that reaches
	 * the stream goes back to the dead-letter stream at once.
	 * @return how many entries it dead-lettered
	 */
	private static int deadLetterAgainAtOnce(String stream, String deadLetters, AtomicBoolean stop) {
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			RedisCommands<String, String> commands = connection.sync();
			String last = "0-0";
			int count = 0;
			while (!stop.get()) {
				List<StreamMessage<String, String>> read = commands.xread(
						XReadArgs.Builder.block(Duration.ofMillis(100)).count(100),
						XReadArgs.StreamOffset.from(stream, last));
				for (StreamMessage<String, String> entry : read) {
					commands.xadd(deadLetters, deadLetter(stream, entry.getBody().get("payload")));
					last = entry.getId();
					count++;
				}
			}
			return count;
		}
	}

	private static Map<String, String> deadLetter(String stream, String payload) {
		return Map.of("payload", payload, DeadLetterFields.ORIGINAL_STREAM, stream,
				DeadLetterFields.EXCEPTION_MESSAGE, "still failing");
	}

}
