package io.github.redisstreams.binder.metrics;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names of running consumer bindings in health details, endpoint paths and meter tags. A binding that
 * consumes several partitions ({@code instance-index-list}) runs one consumer endpoint per partition
 * stream under one binding name, and Spring Cloud Stream hands such endpoints no binding name at all:
 * names are made unique with the stream, and a missing one is shown as {@value #UNKNOWN}.
 */
public final class BindingNames {

	public static final String UNKNOWN = "unknown";

	private BindingNames() {
	}

	/**
	 * The binding name, or {@value #UNKNOWN} when Spring Cloud Stream gave none.
	 * @param bindingName the binding name, may be null
	 * @return a name that can be a tag value
	 */
	public static String nameOf(String bindingName) {
		return (bindingName != null) ? bindingName : UNKNOWN;
	}

	/**
	 * The bindings by unique name: the binding name, or {@code <binding>:<stream>} for bindings that share
	 * their name.
	 * @param bindings the running bindings
	 * @return unique name to binding, in the given order
	 */
	public static Map<String, ConsumerBindingView> byUniqueName(List<ConsumerBindingView> bindings) {
		Map<String, Integer> counts = new HashMap<>();
		for (ConsumerBindingView binding : bindings) {
			counts.merge(nameOf(binding.bindingName()), 1, Integer::sum);
		}
		Map<String, ConsumerBindingView> named = new LinkedHashMap<>();
		for (ConsumerBindingView binding : bindings) {
			String name = nameOf(binding.bindingName());
			named.put((counts.get(name) > 1) ? name + ":" + binding.stream() : name, binding);
		}
		return named;
	}

}
