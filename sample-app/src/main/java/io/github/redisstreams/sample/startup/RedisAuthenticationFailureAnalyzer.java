package io.github.redisstreams.sample.startup;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns credentials that Redis refused at startup into Spring Boot's startup failure report: Redis is
 * reachable, and starting another one would not help. Registered in {@code META-INF/spring.factories}.
 */
class RedisAuthenticationFailureAnalyzer extends AbstractFailureAnalyzer<RedisAuthenticationFailedException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, RedisAuthenticationFailedException cause) {
		String description = "Authentication to Redis at " + cause.getTarget() + " failed: Redis refused the "
				+ "credentials of user '" + cause.getUser() + "' (" + cause.getReply() + ")";
		String action = "Give the sample a user and password that Redis accepts, in the URL "
				+ "(SPRING_DATA_REDIS_URL=redis://user:password@host:port) or with SPRING_DATA_REDIS_USERNAME and "
				+ "SPRING_DATA_REDIS_PASSWORD, or check that the user is enabled ('ACL GETUSER <user>' in redis-cli), "
				+ "then run the sample again.";
		return new FailureAnalysis(description, action, cause);
	}

}
