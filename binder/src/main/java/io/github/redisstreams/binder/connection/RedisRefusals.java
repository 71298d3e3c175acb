package io.github.redisstreams.binder.connection;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What Redis currently refuses to the binder's connections: a command on some keys that the user's ACL
 * rules do not allow, or the connection itself (credentials, TLS). A refusal is not an outage: it lasts
 * until someone changes the ACL rules, the credentials or the TLS settings, whatever the binder does. So
 * it is logged at ERROR once, when it is first seen, kept until the same command succeeds on the same keys
 * again (logged at INFO then), and shown by the health indicator meanwhile.
 */
public final class RedisRefusals {

	private static final Log logger = LogFactory.getLog(RedisRefusals.class);

	/** Bounds the refusals kept: the binder sends a few dozen kinds of commands per binding. */
	private static final int MAX_KEPT = 1000;

	private final String user;

	private final Map<String, Refusal> current = new ConcurrentHashMap<>();

	RedisRefusals(String user) {
		this.user = user;
	}

	/**
	 * The Redis user the connections authenticate as ({@code default} when none is configured).
	 * @return the user name
	 */
	public String user() {
		return this.user;
	}

	/**
	 * Records a refusal, and logs it at ERROR when it is new.
	 * @param what the command and its keys, e.g. {@code XREADGROUP on 'orders'}
	 * @param ex the failure, an access failure ({@link RedisErrors#isAccessFailure(Throwable)})
	 */
	void refused(String what, Throwable ex) {
		String explanation = withoutFinalPeriod(RedisErrors.explainAccessFailure(ex, this.user));
		long now = System.currentTimeMillis();
		boolean[] isNew = { false };
		if (this.current.size() >= MAX_KEPT && !this.current.containsKey(what)) {
			return;
		}
		this.current.compute(what, (key, known) -> {
			if (known == null) {
				isNew[0] = true;
				return new Refusal(what, explanation, now, now, 1);
			}
			return new Refusal(what, explanation, known.since(), now, known.times() + 1);
		});
		if (isNew[0]) {
			logger.error("Redis refused " + what + ": " + explanation + ". This is not an outage: it lasts until "
					+ "the ACL rules, the credentials or the TLS settings are fixed (see the binder's security "
					+ "documentation); the binder retries what it must and heals without a restart. Logged once, and "
					+ "at INFO when Redis accepts it again");
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Redis still refuses " + what + ": " + explanation);
		}
	}

	/**
	 * Forgets the refusal of a command that succeeded now.
	 * @param what as given to {@link #refused(String, Throwable)}
	 */
	void accepted(String what) {
		if (this.current.isEmpty()) {
			return;
		}
		Refusal healed = this.current.remove(what);
		if (healed != null) {
			logger.info("Redis accepts " + what + " again, after refusing it " + healed.times() + " times since "
					+ Instant.ofEpochMilli(healed.since()));
		}
	}

	/**
	 * Whether any refusal is current; cheap, for the success path of every command.
	 * @return true when something is refused
	 */
	boolean any() {
		return !this.current.isEmpty();
	}

	/**
	 * The refusals that are current, oldest first.
	 * @return a snapshot
	 */
	public List<Refusal> current() {
		List<Refusal> refusals = new ArrayList<>(this.current.values());
		refusals.sort(Comparator.comparingLong(Refusal::since));
		return refusals;
	}

	private static String withoutFinalPeriod(String text) {
		String trimmed = text.strip();
		while (trimmed.endsWith(".")) {
			trimmed = trimmed.substring(0, trimmed.length() - 1);
		}
		return trimmed;
	}

	/**
	 * Something Redis refuses.
	 *
	 * @param what the command and its keys, or the connection
	 * @param explanation why, with Redis's reply and what to check
	 * @param since when it was first refused (epoch ms)
	 * @param last when it was last refused (epoch ms)
	 * @param times how many times it was refused since
	 */
	public record Refusal(String what, String explanation, long since, long last, long times) {

		/**
		 * One line for the health details.
		 * @return e.g. {@code XREADGROUP on 'orders': Redis user 'app' lacks an ACL permission: NOPERM ...}
		 */
		public String describe() {
			return this.what + ": " + this.explanation + " (" + this.times + " times since "
					+ Instant.ofEpochMilli(this.since) + ")";
		}

	}

}
