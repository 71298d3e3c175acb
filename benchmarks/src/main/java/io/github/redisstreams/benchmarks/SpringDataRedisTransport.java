package io.github.redisstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisURI;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.stream.StreamMessageListenerContainer;
import org.springframework.data.redis.stream.StreamMessageListenerContainer.StreamMessageListenerContainerOptions;
import org.springframework.data.redis.stream.Subscription;

/**
 * The lower baseline: Redis streams used through Spring Data Redis the way applications write it by
 * hand. The producer adds each record with {@code StringRedisTemplate.opsForStream().add} (one round
 * trip per message); each consumer is a {@code receive} subscription of a
 * {@link StreamMessageListenerContainer} (read batch of n, poll timeout 250 ms) whose listener
 * decodes the JSON, calls the {@code Consumer<Order>} and acknowledges the record with
 * {@code opsForStream().acknowledge}, one {@code XACK} per message.
 */
final class SpringDataRedisTransport implements Transport {

	private static final String GROUP = "bench";

	private static final Duration POLL_TIMEOUT = Duration.ofMillis(250);

	private final String stream;

	private final int concurrency;

	private final int readCount;

	private final OrderSink sink;

	private final JsonMapper mapper;

	private final RedisAdmin admin;

	private final LettuceConnectionFactory connectionFactory;

	private final StringRedisTemplate template;

	private StreamMessageListenerContainer<String, MapRecord<String, String, String>> container;

	private final List<Subscription> subscriptions = new ArrayList<>();

	SpringDataRedisTransport(String redisUrl, RedisAdmin admin, String stream, int concurrency, int readCount,
			OrderSink sink, JsonMapper mapper) {
		this.stream = stream;
		this.concurrency = concurrency;
		this.readCount = readCount;
		this.sink = sink;
		this.mapper = mapper;
		this.admin = admin;
		this.connectionFactory = new LettuceConnectionFactory(standalone(RedisURI.create(redisUrl)));
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
		this.template = new StringRedisTemplate(this.connectionFactory);
	}

	private static RedisStandaloneConfiguration standalone(RedisURI uri) {
		RedisStandaloneConfiguration configuration = new RedisStandaloneConfiguration(uri.getHost(), uri.getPort());
		configuration.setDatabase(uri.getDatabase());
		if (uri.getUsername() != null) {
			configuration.setUsername(uri.getUsername());
		}
		if (uri.getPassword() != null) {
			configuration.setPassword(uri.getPassword());
		}
		return configuration;
	}

	@Override
	public String name() {
		return "Spring Data Redis container";
	}

	@Override
	public String redisStream() {
		return this.stream;
	}

	@Override
	public int concurrency() {
		return this.concurrency;
	}

	@Override
	public void reset() {
		stopConsumers();
		this.admin.recreate(this.stream, GROUP);
	}

	@Override
	public void send(Order order) {
		this.template.opsForStream()
			.add(StreamRecords.string(Map.of("payload", this.mapper.writeValueAsString(order), "contentType",
					"application/json"))
				.withStreamKey(this.stream));
	}

	@Override
	public void awaitWritten(long count, Duration timeout) {
		this.admin.awaitLength(this.stream, count, timeout);
	}

	@Override
	public void startConsumers(DeliveryTracker tracker) {
		this.sink.track(tracker);
		StreamMessageListenerContainerOptions<String, MapRecord<String, String, String>> options = StreamMessageListenerContainerOptions
			.builder()
			.batchSize(this.readCount)
			.pollTimeout(POLL_TIMEOUT)
			.build();
		this.container = StreamMessageListenerContainer.create(this.connectionFactory, options);
		for (int i = 0; i < this.concurrency; i++) {
			this.subscriptions.add(this.container.receive(Consumer.from(GROUP, "sdr-" + i),
					StreamOffset.create(this.stream, ReadOffset.lastConsumed()), (record) -> {
						this.sink.accept(this.mapper.readValue(record.getValue().get("payload"), Order.class));
						this.template.opsForStream().acknowledge(GROUP, record);
					}));
		}
		this.container.start();
	}

	@Override
	public void stopConsumers() {
		if (this.container == null) {
			return;
		}
		this.container.stop();
		// stop() only cancels the subscriptions: a poll already sent may still run for up to the poll
		// timeout, and must not meet a stream the next round deleted
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (this.subscriptions.stream().anyMatch(Subscription::isActive) && System.nanoTime() - deadline < 0) {
			LockSupport.parkNanos(5_000_000);
		}
		LockSupport.parkNanos(POLL_TIMEOUT.toNanos() + 50_000_000);
		this.subscriptions.clear();
		this.container = null;
	}

	@Override
	public long unacknowledged() {
		return this.admin.pending(this.stream, GROUP);
	}

	@Override
	public void close() {
		stopConsumers();
		this.connectionFactory.destroy();
		this.admin.delete(this.stream);
	}

}
