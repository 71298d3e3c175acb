package io.github.redisstreams.binder.support;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Key names derived from a destination, and the hash tags that keep them in the stream's cluster slot,
 * without Redis.
 */
class StreamKeysTests {

	@Test
	void streamIsTheDestinationAfterTheKeyPrefix() {
		assertThat(StreamKeys.stream("", "orders")).isEqualTo("orders");
		assertThat(StreamKeys.stream("shop:", "orders")).isEqualTo("shop:orders");
		assertThat(StreamKeys.stream("{shop}:", "orders")).isEqualTo("{shop}:orders");
	}

	@Test
	void partitionsAreNumberedAfterTheStream() {
		assertThat(StreamKeys.partition("orders", 0)).isEqualTo("orders-0");
		assertThat(StreamKeys.partition(StreamKeys.stream("shop:", "orders"), 3)).isEqualTo("shop:orders-3");
	}

	@Test
	void deadLetterStreamCarriesTheStreamAsHashTag() {
		assertThat(StreamKeys.deadLetterStream("orders", "order-service")).isEqualTo("{orders}:order-service:dlq");
		assertThat(StreamKeys.deadLetterStream("shop:orders", "billing")).isEqualTo("{shop:orders}:billing:dlq");
		// each partition has its own stream, so its own slot and its own dead letters
		assertThat(StreamKeys.deadLetterStream(StreamKeys.partition("orders", 2), "billing"))
			.isEqualTo("{orders-2}:billing:dlq");
	}

	@Test
	void streamWithAHashTagKeepsItsOwnTag() {
		assertThat(StreamKeys.deadLetterStream("shop:{orders}", "order-service"))
			.isEqualTo("shop:{orders}:order-service:dlq");
		assertThat(StreamKeys.processedMarkerPrefix("shop:{orders}", "billing"))
			.isEqualTo("shop:{orders}:billing:processed:");
		// a key prefix with a hash tag puts every stream of the binder in one slot
		String stream = StreamKeys.stream("{shop}:", "orders");
		assertThat(StreamKeys.deadLetterStream(stream, "billing")).isEqualTo("{shop}:orders:billing:dlq");
		assertThat(StreamKeys.partition(stream, 1)).isEqualTo("{shop}:orders-1");
	}

	@Test
	void processedMarkersShareTheStreamsSlot() {
		String prefix = StreamKeys.processedMarkerPrefix("orders", "billing");

		assertThat(prefix).isEqualTo("{orders}:billing:processed:");
		assertThat(StreamKeys.hashedPart(prefix + "o-1")).isEqualTo(StreamKeys.hashedPart("orders"));
		assertThat(StreamKeys.hashedPart(StreamKeys.deadLetterStream("orders", "billing")))
			.isEqualTo(StreamKeys.hashedPart("orders"));
	}

	@Test
	void markersAreNamedByTheirPatternOtherKeysAsTheyAre() {
		assertThat(StreamKeys.keyPattern(StreamKeys.processedMarkerPrefix("orders", "billing") + "o-1:x"))
			.isEqualTo("{orders}:billing:processed:*");
		assertThat(StreamKeys.keyPattern(StreamKeys.processedMarkerPrefix("shop:{orders}", "billing") + "o-1"))
			.isEqualTo("shop:{orders}:billing:processed:*");
		assertThat(StreamKeys.keyPattern("{orders}:billing:dlq")).isEqualTo("{orders}:billing:dlq");
		// a stream that merely has the word in its name
		assertThat(StreamKeys.keyPattern("orders:processed:today")).isEqualTo("orders:processed:today");
	}

	@Test
	void taggedWrapsAKeyWithoutTagInBraces() {
		assertThat(StreamKeys.tagged("orders")).isEqualTo("{orders}");
		assertThat(StreamKeys.tagged("shop:orders")).isEqualTo("{shop:orders}");
		assertThat(StreamKeys.tagged("shop:{orders}")).isEqualTo("shop:{orders}");
		assertThat(StreamKeys.tagged("{orders}")).isEqualTo("{orders}");
		// empty braces are no hash tag, and a key with a '}' cannot be wrapped: see the test below
		assertThat(StreamKeys.tagged("orders{")).isEqualTo("{orders{}");
	}

	@Test
	void hashTagIsAnOpeningBraceFollowedLaterByAClosingOneWithSomethingBetween() {
		assertThat(StreamKeys.hasHashTag("{orders}")).isTrue();
		assertThat(StreamKeys.hasHashTag("shop:{orders}:dlq")).isTrue();
		assertThat(StreamKeys.hasHashTag("{a}{b}")).isTrue();
		assertThat(StreamKeys.hasHashTag("orders")).isFalse();
		assertThat(StreamKeys.hasHashTag("{}orders")).isFalse();
		assertThat(StreamKeys.hasHashTag("orders{")).isFalse();
		assertThat(StreamKeys.hasHashTag("}orders{")).isFalse();
		// only the first opening brace counts: its closing brace comes right after it
		assertThat(StreamKeys.hasHashTag("{}{orders}")).isFalse();
	}

	@Test
	void hashedPartIsTheFirstTagsContentOrTheWholeKey() {
		assertThat(StreamKeys.hashedPart("orders")).isEqualTo("orders");
		assertThat(StreamKeys.hashedPart("{orders}")).isEqualTo("orders");
		assertThat(StreamKeys.hashedPart("shop:{orders}:billing:dlq")).isEqualTo("orders");
		assertThat(StreamKeys.hashedPart("{a}{b}")).isEqualTo("a");
		// the tag ends at the first closing brace after the opening one
		assertThat(StreamKeys.hashedPart("{a{b}c}")).isEqualTo("a{b");
		assertThat(StreamKeys.hashedPart("{}{orders}")).isEqualTo("{}{orders}");
		assertThat(StreamKeys.hashedPart("orders{")).isEqualTo("orders{");
	}

	@Test
	void taggedKeyHashesLikeTheKey() {
		for (String key : new String[] { "orders", "shop:orders", "shop:{orders}", "orders{", "a{b" }) {
			assertThat(StreamKeys.hashedPart(StreamKeys.tagged(key))).as("hashed part of tagged(%s)", key)
				.isEqualTo(StreamKeys.hashedPart(key));
		}
	}

	/**
	 * A key with a closing brace but no hash tag: wrapped in braces, its tag ends at its own first
	 * closing brace rather than at the added one, so the dead-letter stream lands in another cluster slot
	 * than the stream and a script touching both fails with CROSSSLOT.
	 */
	@Test
	void taggedKeyWithAClosingBraceIsInTheKeysSlot() {
		for (String key : new String[] { "a}b", "orders{}", "{}orders", "x{}y{z}" }) {
			String tagged = StreamKeys.tagged(key);
			assertThat(StreamKeys.hasHashTag(tagged)).as("tagged(%s) = %s has a hash tag", key, tagged).isTrue();
			assertThat(SlotHash.getSlot(tagged)).as("slot of tagged(%s) = %s", key, tagged)
				.isEqualTo(SlotHash.getSlot(key));
		}
	}

}
