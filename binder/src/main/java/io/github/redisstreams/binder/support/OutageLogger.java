package io.github.redisstreams.binder.support;

import java.time.Duration;

import org.apache.commons.logging.Log;

/**
 * Logs a lost Redis connection once when the outage starts and once when it ends, instead of once
 * per failed attempt in between.
 */
public final class OutageLogger {

	private final Log log;

	private final String subject;

	private long outageStartedAt;

	private long failures;

	/**
	 * @param log the logger of the component
	 * @param subject what is affected, e.g. {@code "consumer c1 of group g on stream s"}
	 */
	public OutageLogger(Log log, String subject) {
		this.log = log;
		this.subject = subject;
	}

	/**
	 * Records a failed attempt.
	 * @param ex the failure
	 * @param retryIn when the next attempt happens
	 */
	public synchronized void failed(Throwable ex, Duration retryIn) {
		this.failures++;
		if (this.outageStartedAt == 0) {
			this.outageStartedAt = System.currentTimeMillis();
			this.log.warn("Redis is unavailable for " + this.subject + ": " + ex + "; retrying with back-off (next in "
					+ retryIn.toMillis() + " ms), further failures are logged at DEBUG until it recovers");
		}
		else if (this.log.isDebugEnabled()) {
			this.log.debug("Redis still unavailable for " + this.subject + " (" + this.failures + " failures): " + ex);
		}
	}

	/**
	 * Records a successful attempt; logs the end of an outage if one was going on.
	 */
	public synchronized void succeeded() {
		if (this.outageStartedAt != 0) {
			long lasted = System.currentTimeMillis() - this.outageStartedAt;
			this.log.info("Redis is available again for " + this.subject + " after " + lasted + " ms and " + this.failures
					+ " failed attempts");
			this.outageStartedAt = 0;
			this.failures = 0;
		}
	}

	/**
	 * Whether an outage is going on.
	 * @return true between a failure and the next success
	 */
	public synchronized boolean inOutage() {
		return this.outageStartedAt != 0;
	}

}
