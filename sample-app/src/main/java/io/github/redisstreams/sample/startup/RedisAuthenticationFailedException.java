package io.github.redisstreams.sample.startup;

/**
 * Redis answered at startup, and refused the credentials.
 */
public class RedisAuthenticationFailedException extends RuntimeException {

	private final String target;

	private final String user;

	private final String reply;

	public RedisAuthenticationFailedException(String target, String user, String reply, Throwable cause) {
		super("Redis at " + target + " refused the credentials of user '" + user + "': " + reply, cause);
		this.target = target;
		this.user = user;
		this.reply = reply;
	}

	/**
	 * Where Redis was reached.
	 * @return e.g. {@code localhost:6379}
	 */
	public String getTarget() {
		return this.target;
	}

	/**
	 * The Redis user the application authenticated as.
	 * @return the user name, {@code default} when none is configured
	 */
	public String getUser() {
		return this.user;
	}

	/**
	 * Redis's reply.
	 * @return e.g. {@code WRONGPASS invalid username-password pair or user is disabled.}
	 */
	public String getReply() {
		return this.reply;
	}

}
