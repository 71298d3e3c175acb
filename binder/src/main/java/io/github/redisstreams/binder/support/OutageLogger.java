package io.github.redisstreams.binder.support;

import java.time.Duration;
import java.util.function.Predicate;

import org.apache.commons.logging.Log;

/**
 * Logs a lost Redis connection once when the outage starts and once when it ends, instead of once
 * per failed attempt in between.
 * <p>
 * A failure that Redis answered with a refusal (a missing ACL permission, credentials or TLS settings it
 * does not accept) is no outage: Redis is there. It neither starts one nor is reported as one (no "Redis is
 * unavailable", no "available again" at the next success); the component that met it reports it (the
 * binder's connections log each refusal at ERROR once and keep it for the health indicator), and it is
 * logged here at DEBUG only.
 */
public final class OutageLogger {

	private final Log log;

	private final String subject;

	private final Predicate<Throwable> refusal;

	private long outageStartedAt;

	private long failures;

	/**
	 * @param log the logger of the component
	 * @param subject what is affected, e.g. {@code "consumer c1 of group g on stream s"}
	 */
	public OutageLogger(Log log, String subject) {
		this(log, subject, (ex) -> false);
	}

	/**
	 * @param log the logger of the component
	 * @param subject what is affected, e.g. {@code "consumer c1 of group g on stream s"}
	 * @param refusal tells a refusal of Redis (not an outage) from other failures
	 */
	public OutageLogger(Log log, String subject, Predicate<Throwable> refusal) {
		this.log = log;
		this.subject = subject;
		this.refusal = refusal;
	}

	/**
	 * Records a failed attempt.
	 * @param ex the failure
	 * @param retryIn when the next attempt happens
	 */
	public synchronized void failed(Throwable ex, Duration retryIn) {
		if (this.refusal.test(ex)) {
			// Redis answered: an outage going on is over
			succeeded();
			if (this.log.isDebugEnabled()) {
				this.log.debug("Redis refuses a command of " + this.subject + " (retrying in " + retryIn.toMillis()
						+ " ms): " + ex);
			}
			return;
		}
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
