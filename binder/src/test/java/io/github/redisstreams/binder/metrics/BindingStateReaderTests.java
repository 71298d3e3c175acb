package io.github.redisstreams.binder.metrics;

import java.util.List;
import java.util.Map;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.test.FakeConsumerBinding;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link BindingStateReader} reads from Redis, including the lag Redis itself cannot report.
 */
class BindingStateReaderTests {

	static RedisClient client;

	static StatefulRedisConnection<String, String> redis;

	static LettuceConnectionFactory connectionFactory;

	static BindingStateReader reader;

	@BeforeAll
	static void connect() {
		client = RedisTestSupport.client();
		redis = client.connect();
		connectionFactory = new LettuceConnectionFactory(
				(RedisStandaloneConfiguration) LettuceConnectionFactory.createRedisConfiguration(RedisTestSupport.redisUrl()));
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		reader = BindingStateReader.withOwnConnection(connectionFactory);
	}

	@AfterAll
	static void disconnect() {
		reader.destroy();
		connectionFactory.destroy();
		redis.close();
		client.shutdown();
	}

	@Test
	void readsLagPendingAndLengthsReportedByRedis() {
		String stream = RedisTestSupport.uniqueName("state");
		String deadLetters = stream + ":dlq";
		RedisCommands<String, String> commands = redis.sync();
		try {
			List<String> ids = add(stream, 10);
			commands.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "g");
			commands.xreadgroup(Consumer.from("g", "c1"), XReadArgs.Builder.count(3),
					XReadArgs.StreamOffset.lastConsumed(stream));
			commands.xadd(deadLetters, Map.of("payload", "x"));
			commands.xadd(deadLetters, Map.of("payload", "y"));

			BindingState state = reader.read(FakeConsumerBinding.on(stream).withDeadLetterStream(deadLetters), true);

			assertThat(state.groupPresent()).isTrue();
			assertThat(state.streamLength()).isEqualTo(10);
			assertThat(state.lag()).isEqualTo(7);
			assertThat(state.lagCapped()).isFalse();
			assertThat(state.pending()).isEqualTo(3);
			assertThat(state.oldestPendingId()).isEqualTo(ids.get(0));
			assertThat(state.oldestPendingAgeMillis()).isNotNull().isGreaterThanOrEqualTo(0);
			assertThat(state.maxDeliveryCount()).isEqualTo(1);
			assertThat(state.deadLetterCount()).isEqualTo(2);
			assertThat(state.consumers()).singleElement().satisfies((consumer) -> {
				assertThat(consumer.name()).isEqualTo("c1");
				assertThat(consumer.pending()).isEqualTo(3);
			});
		}
		finally {
			commands.del(stream, deadLetters);
		}
	}

	@Test
	void countsTheLagWhenRedisCannotReportIt() {
		String stream = RedisTestSupport.uniqueName("state");
		RedisCommands<String, String> commands = redis.sync();
		try {
			List<String> ids = add(stream, 10);
			commands.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "g");
			commands.xreadgroup(Consumer.from("g", "c1"), XReadArgs.Builder.count(2),
					XReadArgs.StreamOffset.lastConsumed(stream));
			// a deleted entry after the group's position leaves Redis unable to tell the lag
			commands.xdel(stream, ids.get(5));

			BindingState state = reader.read(FakeConsumerBinding.on(stream), false);

			assertThat(state.lag()).isEqualTo(7);
			assertThat(state.lagCapped()).isFalse();
			assertThat(state.streamLength()).isEqualTo(9);
			assertThat(state.deadLetterCount()).isNull();
			assertThat(state.consumers()).isEmpty();
		}
		finally {
			commands.del(stream);
		}
	}

	@Test
	void capsTheCountedLag() {
		String stream = RedisTestSupport.uniqueName("state");
		RedisCommands<String, String> commands = redis.sync();
		try {
			List<String> ids = add(stream, BindingStateReader.LAG_COUNT_LIMIT + 50);
			commands.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "g");
			commands.xdel(stream, ids.get(1));

			BindingState state = reader.read(FakeConsumerBinding.on(stream), false);

			assertThat(state.lag()).isEqualTo(BindingStateReader.LAG_COUNT_LIMIT);
			assertThat(state.lagCapped()).isTrue();
		}
		finally {
			commands.del(stream);
		}
	}

	@Test
	void reportsAMissingGroup() {
		String stream = RedisTestSupport.uniqueName("state");
		try {
			add(stream, 3);

			BindingState state = reader.read(FakeConsumerBinding.on(stream).withGroup("absent"), true);

			assertThat(state.groupPresent()).isFalse();
			assertThat(state.lag()).isNull();
			assertThat(state.pending()).isNull();
			assertThat(state.streamLength()).isEqualTo(3);
			assertThat(reader.group(FakeConsumerBinding.on(stream).withGroup("absent"))).isEmpty();
		}
		finally {
			redis.sync().del(stream);
		}
	}

	private static List<String> add(String stream, int count) {
		// one script adds them all: thousands of single XADDs would slow the test down
		List<String> ids = redis.sync()
			.eval("local ids = {} for i = 1, tonumber(ARGV[1]) do "
					+ "ids[i] = redis.call('XADD', KEYS[1], '*', 'payload', 'p' .. i) end return ids",
					ScriptOutputType.MULTI, new String[] { stream }, Integer.toString(count));
		return ids;
	}

}
