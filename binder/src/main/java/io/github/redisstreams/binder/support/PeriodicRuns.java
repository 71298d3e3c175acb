package io.github.redisstreams.binder.support;

import io.lettuce.core.RedisException;
import org.apache.commons.logging.Log;

/**
 * Runs one round of a periodic task (a retention trim, a consumer clean-up) so that nothing escapes it: an
 * exception thrown out of a scheduled task cancels all its later runs. A Redis failure is logged at DEBUG (the
 * consumers already report outages, and the next round tries again); anything else, a bug, at WARN.
 */
public final class PeriodicRuns {

	private PeriodicRuns() {
	}

	/**
	 * @param logger the task's logger
	 * @param what the round, for the log, e.g. {@code Retention trim of stream 'orders'}
	 * @param round the work
	 * @return true when the round completed
	 */
	public static boolean runQuietly(Log logger, String what, Runnable round) {
		try {
			round.run();
			return true;
		}
		catch (RedisException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug(what + " skipped: " + ex.getMessage());
			}
		}
		catch (RuntimeException ex) {
			logger.warn(what + " failed; it runs again at its next interval", ex);
		}
		return false;
	}

}
