package io.github.redisstreams.binder.connection;

import io.lettuce.core.RedisCommandExecutionException;

/**
 * Tells Redis's error replies apart by their code, the first word of the message ({@code NOGROUP No such
 * key ...}), in one place rather than by message matching wherever an error is handled.
 */
public final class RedisErrors {

	private RedisErrors() {
	}

	/**
	 * The stream or its consumer group does not exist (Redis restarted without persistence, stream deleted,
	 * group destroyed).
	 */
	public static boolean isNoGroup(Throwable ex) {
		return hasCode(ex, "NOGROUP");
	}

	/** The consumer group exists already ({@code XGROUP CREATE}). */
	public static boolean isBusyGroup(Throwable ex) {
		return hasCode(ex, "BUSYGROUP");
	}

	/** The ACL user lacks the permission for a command or key: retrying cannot help. */
	public static boolean isNoPermission(Throwable ex) {
		return hasCode(ex, "NOPERM");
	}

	/** A write refused under {@code maxmemory} with the {@code noeviction} policy. */
	public static boolean isOutOfMemory(Throwable ex) {
		return hasCode(ex, "OOM");
	}

	/** {@code XINFO} of a key that does not exist. */
	public static boolean isNoSuchKey(Throwable ex) {
		return ex instanceof RedisCommandExecutionException && ex.getMessage() != null
				&& ex.getMessage().contains("no such key");
	}

	private static boolean hasCode(Throwable ex, String code) {
		if (!(ex instanceof RedisCommandExecutionException) || ex.getMessage() == null) {
			return false;
		}
		String message = ex.getMessage();
		return message.startsWith(code) && (message.length() == code.length() || message.charAt(code.length()) == ' ');
	}

}
