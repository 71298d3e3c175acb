package io.github.redisstreams.binder.properties;

import java.time.Duration;

/**
 * Startup checks of property values: each failure names the full property so that the user can
 * find the line to fix.
 */
final class PropertyChecks {

	private PropertyChecks() {
	}

	static void positive(String property, long value) {
		if (value <= 0) {
			throw invalid(property, value, "must be greater than 0");
		}
	}

	static void notNegative(String property, long value) {
		if (value < 0) {
			throw invalid(property, value, "must not be negative");
		}
	}

	static void positive(String property, Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw invalid(property, value, "must be a positive duration");
		}
	}

	static void positiveIfSet(String property, Duration value) {
		if (value != null && (value.isZero() || value.isNegative())) {
			throw invalid(property, value, "must be a positive duration");
		}
	}

	static IllegalArgumentException invalid(String property, Object value, String rule) {
		return new IllegalArgumentException(
				"Invalid value for '" + property + "'" + defaultsHint(property) + ": " + rule + " but was '" + value + "'");
	}

	/**
	 * A binding's value may come from the defaults: name them too, so the user finds the line either way.
	 */
	private static String defaultsHint(String property) {
		String bindings = RedisExtendedBindingProperties.PREFIX + ".bindings.";
		if (!property.startsWith(bindings)) {
			return "";
		}
		String afterBinding = property.substring(property.indexOf('.', bindings.length()) + 1);
		return " (or '" + RedisExtendedBindingProperties.PREFIX + ".default." + afterBinding + "' for all bindings)";
	}

}
