package io.github.redisstreams.binder.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Entry id arithmetic, without Redis.
 */
class StreamEntryIdsTests {

	@Test
	void successorAddsOneToTheSequence() {
		assertThat(StreamEntryIds.successor("1700000000000-0")).isEqualTo("1700000000000-1");
		assertThat(StreamEntryIds.successor("5-41")).isEqualTo("5-42");
		// sequences are unsigned 64-bit numbers in Redis
		assertThat(StreamEntryIds.successor("5-9223372036854775807")).isEqualTo("5-9223372036854775808");
	}

	@Test
	void compareOrdersByTimeThenSequenceAsNumbers() {
		assertThat(StreamEntryIds.compare("10-0", "9-5")).isPositive();
		assertThat(StreamEntryIds.compare("9-10", "9-9")).isPositive();
		assertThat(StreamEntryIds.compare("9-9", "9-10")).isNegative();
		assertThat(StreamEntryIds.compare("9-9", "9-9")).isZero();
		assertThat(StreamEntryIds.compare("1-0", "18446744073709551615-0")).isNegative();
	}

	@Test
	void timestampIsTheTimePartOrMinusOne() {
		assertThat(StreamEntryIds.timestampOf("1700000000123-4")).isEqualTo(1700000000123L);
		assertThat(StreamEntryIds.timestampOf("not-an-id")).isEqualTo(-1);
	}

}
