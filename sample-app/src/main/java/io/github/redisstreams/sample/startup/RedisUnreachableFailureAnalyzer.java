package io.github.redisstreams.sample.startup;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a Redis that cannot be reached at startup into Spring Boot's startup failure report, whose
 * description says in one line what is wrong and how to fix it. Registered in
 * {@code META-INF/spring.factories}.
 */
class RedisUnreachableFailureAnalyzer extends AbstractFailureAnalyzer<RedisUnreachableException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, RedisUnreachableException cause) {
		String description = "Redis is not reachable at " + cause.getTarget() + " (" + rootMessage(cause)
				+ "): start one with 'redis-server' (or 'docker run -d -p 6379:6379 redis:7') or point the sample "
				+ "to yours with SPRING_DATA_REDIS_URL=redis://host:port";
		String action = "Start Redis or set SPRING_DATA_REDIS_URL, then run the sample again.";
		return new FailureAnalysis(description, action, cause);
	}

	private static String rootMessage(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
	}

}
