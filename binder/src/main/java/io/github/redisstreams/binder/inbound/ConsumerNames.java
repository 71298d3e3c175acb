package io.github.redisstreams.binder.inbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out consumer names: {@code <instance-id>-<n>}, with n counting the consumers this instance runs
 * in one group of one stream (its concurrency slots, and those of any other binding on the same stream
 * and group). With a stable instance id the same slot gets the same name after a restart, so it resumes
 * its own pending entries at once.
 */
public class ConsumerNames {

	private final String instanceId;

	private final Map<String, AtomicInteger> nextSlot = new ConcurrentHashMap<>();

	public ConsumerNames(String instanceId) {
		this.instanceId = instanceId;
	}

	/**
	 * Names for the consumers of a binding.
	 * @param stream the stream key
	 * @param group the group
	 * @param count how many consumers (the binding's concurrency)
	 * @return the names, unique within this instance for the stream and group
	 */
	public List<String> allocate(String stream, String group, int count) {
		AtomicInteger slots = this.nextSlot.computeIfAbsent(stream + '\u0000' + group, (key) -> new AtomicInteger());
		List<String> names = new ArrayList<>(count);
		for (int i = 0; i < Math.max(1, count); i++) {
			names.add(this.instanceId + "-" + slots.getAndIncrement());
		}
		return names;
	}

}
