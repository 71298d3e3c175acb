package io.github.redisstreams.sample.startup;

/**
 * Redis did not answer at startup.
 */
public class RedisUnreachableException extends RuntimeException {

	private final String target;

	public RedisUnreachableException(String target, Throwable cause) {
		super("Redis is not reachable at " + target, cause);
		this.target = target;
	}

	/**
	 * Where Redis was looked for.
	 * @return e.g. {@code localhost:6379}
	 */
	public String getTarget() {
		return this.target;
	}

}
