package io.github.redisstreams.benchmarks;

import java.util.List;

/**
 * The message of every benchmark: a small order with a few lines (about 200 bytes of JSON) or many
 * (about 2 KB). It carries what the consumer needs to count it and to time it: the round it belongs
 * to, its sequence number in that round, and the {@link System#nanoTime()} at which it was (meant to
 * be) sent. Producer and consumer run in the same JVM, so that clock is shared.
 *
 * @param orderId business id
 * @param round the round that sent it; a message of another round is counted as a stray
 * @param seq position in the round, from 0
 * @param sentAtNanos {@link System#nanoTime()} at the send (the scheduled time at a fixed rate)
 * @param customerId business field
 * @param currency business field
 * @param lines the order lines; their number sets the payload size
 */
public record Order(String orderId, int round, long seq, long sentAtNanos, String customerId, String currency,
		List<OrderLine> lines) {

	/**
	 * @param sku article number
	 * @param quantity how many
	 * @param unitPriceCents price of one, in cents
	 */
	public record OrderLine(String sku, int quantity, long unitPriceCents) {
	}

}
