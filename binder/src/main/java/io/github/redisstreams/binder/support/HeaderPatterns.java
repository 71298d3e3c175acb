package io.github.redisstreams.binder.support;

import org.springframework.util.PatternMatchUtils;

/**
 * Decides which message headers become entry fields: patterns are tried in order, the first match
 * decides, a leading {@code !} excludes. Spring's per-message {@code id} and {@code timestamp} and the
 * binder's {@code redis_*} headers are never written.
 */
public final class HeaderPatterns {

	private final String[] patterns;

	public HeaderPatterns(String... patterns) {
		this.patterns = patterns.clone();
	}

	public boolean shouldWrite(String headerName) {
		if (EntryCodec.isNeverWritten(headerName)) {
			return false;
		}
		for (String pattern : this.patterns) {
			boolean negated = pattern.startsWith("!");
			String body = negated ? pattern.substring(1) : pattern;
			if (PatternMatchUtils.simpleMatch(body, headerName)) {
				return !negated;
			}
		}
		return false;
	}

}
