package io.github.redisstreams.binder.support;

/**
 * An entry delivered to a consumer, with Redis's count of how many times the group has delivered it.
 *
 * @param entry the entry
 * @param deliveryCount the delivery counter of the entry in the group's PEL, this delivery included
 */
public record Delivery(StreamEntry entry, long deliveryCount) {

	public String id() {
		return this.entry.id();
	}

}
