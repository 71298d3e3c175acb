package io.github.redisstreams.benchmarks;

/**
 * The output of the processor scenario: what the {@code Function<Order, Invoice>} makes of an {@link Order}
 * (about 150 bytes of JSON). It keeps the order's round and sequence number, so that the output stream can be
 * told apart by round.
 *
 * @param orderId the order's id
 * @param round the order's round
 * @param seq the order's sequence number in its round
 * @param customerId the order's customer
 * @param currency the order's currency
 * @param lineCount the number of order lines
 * @param totalCents the sum of quantity times unit price over the lines
 */
public record Invoice(String orderId, int round, long seq, String customerId, String currency, int lineCount,
		long totalCents) {

	/** Number of fields of the totals hash that the processor increments (see {@link #totalsField()}). */
	static final int TOTALS_FIELDS = 16;

	static Invoice of(Order order) {
		long total = 0;
		for (Order.OrderLine line : order.lines()) {
			total += line.quantity() * line.unitPriceCents();
		}
		return new Invoice(order.orderId(), order.round(), order.seq(), order.customerId(), order.currency(),
				order.lines().size(), total);
	}

	/** The field of the totals hash this invoice is added to: one of {@value #TOTALS_FIELDS}, a small hash. */
	String totalsField() {
		return "bucket-" + (this.seq % TOTALS_FIELDS);
	}

}
