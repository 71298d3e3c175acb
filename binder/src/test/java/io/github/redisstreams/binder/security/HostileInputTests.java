package io.github.redisstreams.binder.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.MessageBuilder;

import io.github.redisstreams.binder.metrics.BinderMeters;
import io.github.redisstreams.binder.recovery.DeadLetterFields;
import io.github.redisstreams.binder.support.EntryCodec;
import io.github.redisstreams.binder.support.EntryTooLargeException;
import io.github.redisstreams.binder.support.HeaderPatterns;
import io.github.redisstreams.binder.support.StreamEntry;
import io.github.redisstreams.binder.support.StreamKeys;
import io.github.redisstreams.binder.test.OrderHandler;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Entries written by hand (raw {@code XADD} from another client) that the wire format does not expect: no
 * {@code payload}, repeated field names, 10 MB fields, invalid UTF-8, wrong header type markers, mixed with
 * valid entries in the same batches; and keys of the wrong type where the binder expects a stream or a marker.
 * The consumer must keep running, process the valid entries, dead-letter the bad ones with a reason and leave
 * nothing pending.
 */
@ExtendWith(OutputCaptureExtension.class)
class HostileInputTests {

	private static final long SEED = 20261130L;

	private static final int ENTRIES = 200;

	private static final int TEN_MB = 10 * 1024 * 1024;

	private static final Pattern ORDER_ID = Pattern.compile("^e-(\\d+)");

	private static final byte[] INVALID_UTF8 = { (byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28, (byte) 0xa0,
			(byte) 0xa1, (byte) 0xe2, (byte) 0x28, (byte) 0xa1 };

	/** What the binder must do with an entry. */
	enum Expect {

		PROCESS, DEAD_LETTER, EITHER

	}

	record Written(int index, String id, String kind, Expect expect) {

	}

	static RedisClient client;

	StatefulRedisConnection<byte[], byte[]> connection;

	RedisCommands<byte[], byte[]> raw;

	RedisCommands<String, String> redis = RedisTestSupport.commands();

	String stream;

	String group;

	ConfigurableApplicationContext context;

	@BeforeEach
	void connect() {
		client = RedisTestSupport.client();
		this.connection = client.connect(ByteArrayCodec.INSTANCE);
		this.raw = this.connection.sync();
		this.stream = RedisTestSupport.uniqueName("hostile");
		this.group = "hostile-group";
	}

	@AfterEach
	void cleanUp() {
		if (this.context != null) {
			this.context.close();
		}
		this.redis.del(this.stream, dlq());
		this.connection.close();
		client.shutdown();
	}

	@Test
	@Timeout(120)
	void randomHostileEntriesAmongValidOnesAreDeadLetteredWhileTheRestIsProcessed() {
		Random random = new Random(SEED);
		List<Written> written = new ArrayList<>();
		int huge = 0;
		for (int i = 0; i < ENTRIES; i++) {
			Written entry = (random.nextInt(100) < 50) ? add(i, "valid", Expect.PROCESS, valid(i))
					: hostile(i, random, huge < 3);
			if (entry.kind().startsWith("huge")) {
				huge++;
			}
			written.add(entry);
		}
		long started = System.nanoTime();
		start();

		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			Outcomes outcomes = outcomes();
			for (Written entry : written) {
				boolean processed = outcomes.processed().contains(entry.index());
				boolean deadLettered = outcomes.deadLetters().containsKey(entry.id());
				switch (entry.expect()) {
					case PROCESS -> assertThat(processed).as("processed: %s", entry).isTrue();
					case DEAD_LETTER -> assertThat(deadLettered).as("dead-lettered: %s", entry).isTrue();
					case EITHER -> assertThat(processed || deadLettered).as("processed or dead-lettered: %s", entry)
						.isTrue();
				}
			}
			assertThat(pending()).isZero();
		});
		Outcomes outcomes = outcomes();
		Map<String, String> decisions = new TreeMap<>();
		for (Written entry : written) {
			boolean processed = outcomes.processed().contains(entry.index());
			Map<String, String> deadLetter = outcomes.deadLetters().get(entry.id());
			assertThat(processed && deadLetter != null).as("both processed and dead-lettered: %s", entry).isFalse();
			if (deadLetter != null) {
				assertThat(deadLetter.get(DeadLetterFields.EXCEPTION_CLASS)).as("reason of %s", entry).isNotBlank();
				assertThat(deadLetter.get(DeadLetterFields.EXCEPTION_MESSAGE)).as("reason of %s", entry).isNotBlank();
				assertThat(deadLetter).containsEntry(DeadLetterFields.ORIGINAL_STREAM, this.stream);
			}
			decisions.merge(entry.kind() + " -> "
					+ ((deadLetter != null) ? "dead-lettered (" + deadLetter.get(DeadLetterFields.EXCEPTION_CLASS) + ")"
							: "processed"),
					"1", (a, b) -> Integer.toString(Integer.parseInt(a) + 1));
		}
		// every entry is either processed or dead-lettered: nothing lost, nothing stuck
		assertThat(outcomes.deadLetters().size() + countProcessed(outcomes, written)).isEqualTo(ENTRIES);
		decisions.forEach((decision, count) -> System.out.println("hostile input: " + decision + " x" + count));

		// the consumer is still alive: a valid entry written now is processed
		String last = add(ENTRIES, "valid", Expect.PROCESS, valid(ENTRIES)).id();
		await().atMost(Duration.ofSeconds(10)).until(() -> outcomes().processed().contains(ENTRIES));
		assertThat(pending()).isZero();
		assertThat(last).isNotNull();
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
	}

	@Test
	@Timeout(90)
	void aDeadLetterKeyOfTheWrongTypeIsReportedAndLosesNothing(CapturedOutput output) {
		this.redis.set(dlq(), "not a stream");
		String before = add(1, "valid", Expect.PROCESS, valid(1)).id();
		String poison = this.redis.xadd(this.stream, "orderId", "no-payload");
		String after = add(2, "valid", Expect.PROCESS, valid(2)).id();
		start();

		await().atMost(Duration.ofSeconds(20)).until(() -> handler().successes("e-1") == 1
				&& handler().successes("e-2") == 1);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> output.getOut().contains("Could not dead-letter entry " + poison));
		String report = output.getOut()
			.lines()
			.filter((line) -> line.contains("Could not dead-letter entry " + poison))
			.findFirst()
			.orElseThrow();
		assertThat(report).contains("WARN").contains("WRONGTYPE").contains(this.stream).contains(dlq());
		// not acknowledged: it stays pending, and in the stream
		assertThat(pending()).isEqualTo(1);
		assertThat(this.redis.xrange(this.stream, io.lettuce.core.Range.create(poison, poison))).hasSize(1);
		assertThat(this.redis.type(dlq())).isEqualTo("string");
		assertThat(before).isNotNull();
		assertThat(after).isNotNull();

		// once the key is fixed, the entry reaches the dead-letter stream
		this.redis.del(dlq());
		await().atMost(Duration.ofSeconds(30)).until(() -> deadLetters().containsKey(poison));
		assertThat(pending()).isZero();
	}

	@Test
	@Timeout(90)
	void aStreamKeyOfTheWrongTypeFailsTheBindingUntilFixed(CapturedOutput output) {
		this.redis.set(this.stream, "not a stream");
		start("--spring.cloud.stream.binding-retry-interval=1");
		await().atMost(Duration.ofSeconds(20)).until(() -> output.getOut().contains("WRONGTYPE"));
		String report = output.getOut()
			.lines()
			.filter((line) -> line.contains("WRONGTYPE") && line.contains(this.stream))
			.findFirst()
			.orElseThrow();
		assertThat(report).contains("Could not create consumer group '" + this.group + "'");
		assertThat(this.redis.get(this.stream)).isEqualTo("not a stream");

		this.redis.del(this.stream);
		await().atMost(Duration.ofSeconds(20)).until(() -> "stream".equals(this.redis.type(this.stream)));
		add(1, "valid", Expect.PROCESS, valid(1));
		await().atMost(Duration.ofSeconds(20)).until(() -> handler().successes("e-1") == 1 && pending() == 0);
	}

	@Test
	@Timeout(60)
	void anIdempotencyMarkerKeyOfTheWrongTypeIsTreatedAsAbsent() {
		String marker = StreamKeys.processedMarkerPrefix(this.stream, this.group) + "e-1";
		this.redis.hset(marker, "field", "value");
		add(1, "valid", Expect.PROCESS, valid(1));
		try {
			start("--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.idempotency.key-expression=payload.orderId");
			await().atMost(Duration.ofSeconds(20)).until(() -> handler().successes("e-1") == 1 && pending() == 0);
			// the marker replaced the hash: a duplicate is now recognised
			assertThat(this.redis.type(marker)).isEqualTo("string");
			add(1, "valid", Expect.PROCESS, valid(1));
			add(2, "valid", Expect.PROCESS, valid(2));
			await().atMost(Duration.ofSeconds(20)).until(() -> handler().successes("e-2") == 1 && pending() == 0);
			assertThat(handler().successes("e-1")).isEqualTo(1);
		}
		finally {
			this.redis.del(marker);
		}
	}

	@Test
	@Timeout(60)
	void aProducerRefusesAnEntryLargerThanMaxEntrySizeWithoutWritingIt() {
		String output = RedisTestSupport.uniqueName("hostile-out");
		try {
			start("--spring.cloud.stream.redis.bindings." + output + ".producer.max-entry-size=1KB",
					"--spring.cloud.stream.redis.bindings." + output + ".producer.sync=true");
			StreamBridge bridge = this.context.getBean(StreamBridge.class);
			assertThat(bridge.send(output, "\"" + "s".repeat(900) + "\"")).isTrue();

			Throwable refused = catchThrowable(() -> bridge.send(output,
					MessageBuilder.withPayload("\"small\"").setHeader("x-big", "h".repeat(1024)).build()));
			EntryTooLargeException tooLarge = causeOfType(refused, EntryTooLargeException.class);
			assertThat(tooLarge).as("refused with %s", String.valueOf(refused)).isNotNull();
			assertThat(tooLarge.getMaxSize()).isEqualTo(1024);
			assertThat(tooLarge.getSize()).isGreaterThan(1024);
			assertThat(tooLarge.getMessage()).contains("binding '" + output + "'")
				.contains(tooLarge.getSize() + " bytes")
				.contains("spring.cloud.stream.redis.bindings." + output + ".producer.max-entry-size");
			assertThat(this.redis.xlen(output)).isEqualTo(1);
			MeterRegistry meters = this.context.getBean(MeterRegistry.class);
			assertThat(meters.get(BinderMeters.SEND_FAILED).tag(BinderMeters.TAG_BINDING, output).counter().count())
				.isEqualTo(1);
		}
		finally {
			this.redis.del(output);
		}
	}

	@Test
	void headersThatTextCannotCarryAreDocumentedLossy() {
		EntryCodec codec = new EntryCodec();
		Message<byte[]> message = MessageBuilder.withPayload(new byte[] { 1 })
			.setHeader("x-object", List.of("a", "b"))
			.setHeader("x-bytes", INVALID_UTF8)
			.setHeader("x-int", 7)
			.setHeader("x-surrogate", "lone \ud800 surrogate")
			.setHeader("h\u00e9ader-\u2603", "caf\u00e9")
			.setHeader("payload", "reserved")
			.setHeader("spring_header_types", "reserved")
			.build();
		Map<byte[], byte[]> fields = codec.encode(message, new HeaderPatterns(new String[] { "*" }));
		Map<String, byte[]> byName = new LinkedHashMap<>();
		fields.forEach((name, value) -> byName.put(new String(name, StandardCharsets.UTF_8), value));
		assertThat(byName).doesNotContainKey("id").doesNotContainKey("timestamp");
		assertThat(new String(byName.get("payload"), StandardCharsets.UTF_8)).isEqualTo("\u0001");

		Message<byte[]> read = codec.decode(new StreamEntry("1-0", byName), "s", "g", "c", 1);
		// any other object travels as its toString() and comes back as a String
		assertThat(read.getHeaders().get("x-object")).isEqualTo("[a, b]");
		// bytes are raw and typed, so invalid UTF-8 survives
		assertThat(read.getHeaders().get("x-bytes")).isEqualTo(INVALID_UTF8);
		assertThat(read.getHeaders().get("x-int")).isEqualTo(7);
		// a String that is not valid Unicode (a lone surrogate) cannot be UTF-8: Java writes '?' instead
		assertThat(read.getHeaders().get("x-surrogate")).isEqualTo("lone ? surrogate");
		// names and values are UTF-8
		assertThat(read.getHeaders().get("h\u00e9ader-\u2603")).isEqualTo("caf\u00e9");
		assertThat(read.getHeaders()).doesNotContainKey("spring_header_types");
		assertThat(read.getPayload()).containsExactly(1);
	}

	private static <T extends Throwable> T causeOfType(Throwable failure, Class<T> type) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
		}
		return null;
	}

	private Written hostile(int i, Random random, boolean hugeAllowed) {
		int kind = random.nextInt(hugeAllowed ? 17 : 15);
		return switch (kind) {
			case 0 -> add(i, "missing payload", Expect.DEAD_LETTER, fields("orderId", "e-" + i, "quantity", "1"));
			case 1 -> add(i, "missing payload, invalid UTF-8 field name", Expect.DEAD_LETTER,
					List.of(INVALID_UTF8, bytes("x"), bytes("contentType"), INVALID_UTF8));
			case 2 -> add(i, "duplicate payload field", Expect.PROCESS, concat(valid(i), valid(i)));
			case 3 -> add(i, "duplicate payload field, the last one garbage", Expect.DEAD_LETTER,
					concat(valid(i), fields("payload", "{garbage")));
			case 4 -> add(i, "duplicate header fields", Expect.PROCESS, concat(valid(i),
					fields("x-h", "a", "x-h", "b", "contentType", "application/json", "contentType", "application/json")));
			case 5 -> add(i, "invalid UTF-8 payload", Expect.DEAD_LETTER, List.of(bytes("payload"), INVALID_UTF8));
			case 6 -> add(i, "invalid UTF-8 inside the JSON payload", Expect.EITHER,
					List.of(bytes("payload"), concat(bytes("{\"orderId\":\"e-" + i + "-"), INVALID_UTF8,
							bytes("\",\"quantity\":1}"))));
			case 7 -> add(i, "invalid UTF-8 header name and value", Expect.PROCESS,
					concat(valid(i), List.of(INVALID_UTF8, INVALID_UTF8, bytes("x-bad"), INVALID_UTF8)));
			case 8 -> add(i, "header type marker on a value that does not parse", Expect.PROCESS,
					concat(valid(i), fields("x-n", "abc", "x-c", "", "spring_header_types",
							"{\"x-n\":\"int\",\"x-c\":\"char\",\"x-missing\":\"long\"}")));
			case 9 -> add(i, "unknown header type marker", Expect.PROCESS,
					concat(valid(i), fields("x-n", "1", "spring_header_types", "{\"x-n\":\"no-such-type\"}")));
			case 10 -> add(i, "header types not JSON", Expect.DEAD_LETTER,
					concat(valid(i), fields("spring_header_types", "{{{")));
			case 11 -> add(i, "header types invalid UTF-8", Expect.DEAD_LETTER,
					concat(valid(i), List.of(bytes("spring_header_types"), INVALID_UTF8)));
			case 12 -> add(i, "header types a JSON array", Expect.DEAD_LETTER,
					concat(valid(i), fields("spring_header_types", "[1,2]")));
			case 13 -> add(i, "contentType typed as int", Expect.EITHER,
					concat(valid(i), fields("contentType", "7", "spring_header_types", "{\"contentType\":\"int\"}")));
			case 14 -> add(i, "garbage contentType", Expect.EITHER,
					concat(valid(i), List.of(bytes("contentType"), concat(bytes("a/"), INVALID_UTF8, bytes(";;=")))));
			case 15 -> add(i, "huge header (10 MB)", Expect.PROCESS,
					concat(valid(i), List.of(bytes("x-big"), filled(TEN_MB, (byte) 'h'))));
			default -> add(i, "huge garbage payload (10 MB)", Expect.DEAD_LETTER,
					List.of(bytes("payload"), filled(TEN_MB, (byte) 'A')));
		};
	}

	private Written add(int index, String kind, Expect expect, List<byte[]> fields) {
		String id = this.raw.xadd(bytes(this.stream), (Object[]) fields.toArray(byte[][]::new));
		return new Written(index, id, kind, expect);
	}

	private static List<byte[]> valid(int i) {
		return fields("payload", "{\"orderId\":\"e-" + i + "\",\"quantity\":1}");
	}

	private static List<byte[]> fields(String... namesAndValues) {
		return Arrays.stream(namesAndValues).map(HostileInputTests::bytes).toList();
	}

	@SafeVarargs
	private static List<byte[]> concat(List<byte[]>... parts) {
		List<byte[]> all = new ArrayList<>();
		for (List<byte[]> part : parts) {
			all.addAll(part);
		}
		return all;
	}

	private static byte[] concat(byte[]... parts) {
		int length = Arrays.stream(parts).mapToInt((part) -> part.length).sum();
		byte[] all = new byte[length];
		int at = 0;
		for (byte[] part : parts) {
			System.arraycopy(part, 0, all, at, part.length);
			at += part.length;
		}
		return all;
	}

	private static byte[] filled(int size, byte value) {
		byte[] bytes = new byte[size];
		Arrays.fill(bytes, value);
		return bytes;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private void start(String... extraArgs) {
		List<String> args = new ArrayList<>(List.of(
				"--spring.cloud.stream.bindings.handleOrder-in-0.consumer.max-attempts=1",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.max-deliveries=2",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=500ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-interval=200ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.read-count=20"));
		args.addAll(List.of(extraArgs));
		this.context = OrderTestApp.start(this.stream, this.group, args.toArray(String[]::new));
	}

	private OrderHandler handler() {
		return this.context.getBean(OrderHandler.class);
	}

	private String dlq() {
		return StreamKeys.deadLetterStream(this.stream, this.group);
	}

	private long pending() {
		return this.redis.xpending(this.stream, this.group).getCount();
	}

	record Outcomes(Set<Integer> processed, Map<String, Map<String, String>> deadLetters) {

	}

	private Outcomes outcomes() {
		Set<Integer> processed = new java.util.HashSet<>();
		for (String orderId : handler().successesById().keySet()) {
			Matcher matcher = ORDER_ID.matcher(orderId);
			if (matcher.find()) {
				processed.add(Integer.parseInt(matcher.group(1)));
			}
		}
		return new Outcomes(processed, deadLetters());
	}

	private int countProcessed(Outcomes outcomes, List<Written> written) {
		return (int) written.stream()
			.filter((entry) -> outcomes.processed().contains(entry.index())
					&& !outcomes.deadLetters().containsKey(entry.id()))
			.count();
	}

	/**
	 * The dead letters by their original entry id, read without their (possibly 10 MB) payloads as text.
	 */
	private Map<String, Map<String, String>> deadLetters() {
		Map<String, Map<String, String>> byOriginalId = new HashMap<>();
		if (!"stream".equals(this.redis.type(dlq()))) {
			return byOriginalId;
		}
		for (StreamMessage<byte[], byte[]> message : this.raw.xrange(bytes(dlq()), io.lettuce.core.Range.unbounded())) {
			Map<String, String> fields = new HashMap<>();
			message.getBody().forEach((name, value) -> {
				String key = new String(name, StandardCharsets.UTF_8);
				if (key.startsWith("x-")) {
					fields.put(key, new String(value, StandardCharsets.UTF_8));
				}
			});
			byOriginalId.put(fields.get(DeadLetterFields.ORIGINAL_ID), fields);
		}
		return byOriginalId;
	}

}
