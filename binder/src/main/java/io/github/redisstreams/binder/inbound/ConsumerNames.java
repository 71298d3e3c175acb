package io.github.redisstreams.binder.inbound;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out consumer names: {@code <instance-id>-<n>}, n being the lowest slot not used by another
 * consumer of the same stream and group in this JVM. With a stable instance id the same binding gets the
 * same names after a restart (and after an unbind and bind), so it resumes its own pending entries at once.
 * <p>
 * The names in use are tracked for the whole JVM, not per binder: two binders (or two applications in
 * one JVM, as in tests) reading the same group with the default instance id must still be two distinct
 * consumers to Redis, or they would share a PEL and renew each other's leases.
 */
public class ConsumerNames {

	private static final Set<String> IN_USE = ConcurrentHashMap.newKeySet();

	private final String instanceId;

	public ConsumerNames(String instanceId) {
		this.instanceId = instanceId;
	}

	/**
	 * Names for the consumers of a binding.
	 * @param stream the stream key
	 * @param group the group
	 * @param count how many consumers (the binding's concurrency)
	 * @return the names, unique in this JVM for the stream and group
	 */
	public List<String> allocate(String stream, String group, int count) {
		List<String> names = new ArrayList<>(count);
		for (int slot = 0; names.size() < Math.max(1, count); slot++) {
			String name = this.instanceId + "-" + slot;
			if (IN_USE.add(key(stream, group, name))) {
				names.add(name);
			}
		}
		return names;
	}

	/**
	 * Gives names back when their binding is unbound.
	 */
	public void release(String stream, String group, Collection<String> names) {
		for (String name : names) {
			IN_USE.remove(key(stream, group, name));
		}
	}

	private static String key(String stream, String group, String name) {
		return stream + '\u0000' + group + '\u0000' + name;
	}

}
