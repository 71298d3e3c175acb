package io.github.redisstreams.benchmarks;

/**
 * A scenario whose figures cannot be trusted: messages lost or duplicated, entries left
 * unacknowledged, or a timeout. It is reported as FAILED and the run exits with status 1.
 */
class ScenarioFailedException extends RuntimeException {

	ScenarioFailedException(String message) {
		super(message);
	}

}
