package io.github.redisstreams.binder.connection;

import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLHandshakeException;

import io.lettuce.core.RedisCommandExecutionException;

/**
 * Tells Redis's error replies apart by their code, the first word of the message ({@code NOGROUP No such
 * key ...}), in one place rather than by message matching wherever an error is handled.
 * <p>
 * Some failures are not outages: Redis answered, and refused. A missing ACL permission ({@code NOPERM}),
 * credentials it does not accept ({@code WRONGPASS}, {@code NOAUTH}) or a TLS handshake that fails (a
 * certificate the client does not trust) come back the same way on every attempt until someone changes the
 * ACL rules, the credentials or the TLS settings: {@link #isAccessFailure(Throwable)}.
 */
public final class RedisErrors {

	/**
	 * How Redis 7.0 words an ACL denial of a command called from a Lua script (later versions reply
	 * {@code NOPERM}).
	 */
	private static final String SCRIPT_DENIAL = "The user executing the script can't";

	/**
	 * How Redis before 7.0 wraps the error of a command called from a Lua script:
	 * {@code ERR Error running script (call to f_<sha>): @user_script:21: WRONGTYPE Operation ...}. Redis 7.0
	 * replies with the command's own error.
	 */
	private static final Pattern SCRIPT_CALL_PREFIX = Pattern.compile("@user_script: ?\\d+: ");

	private static final String SCRIPT_ERROR = "ERR Error running script";

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

	/**
	 * The ACL user lacks the permission for a command or key ({@code NOPERM}, or, for a command called by a
	 * Lua script on Redis 7.0, {@code ERR The user executing the script can't ...}): retrying cannot help
	 * until its rules change. Looks through the causes.
	 */
	public static boolean isNoPermission(Throwable ex) {
		return permissionReply(ex) != null;
	}

	/**
	 * Redis refused the credentials: {@code WRONGPASS} (unknown user, wrong password, user disabled) or
	 * {@code NOAUTH} (a password is required and none was given). Looks through the causes, as Lettuce
	 * reports a failed handshake as a connection failure caused by Redis's reply.
	 */
	public static boolean isAuthenticationFailure(Throwable ex) {
		return authenticationReply(ex) != null;
	}

	/**
	 * The TLS handshake with Redis failed (a certificate the client does not trust, or that does not name the
	 * host connected to; a client certificate Redis does not accept). Looks through the causes.
	 */
	public static boolean isTlsFailure(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof SSLHandshakeException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Redis, or the TLS handshake with it, refuses the binder: a missing ACL permission, credentials it does
	 * not accept, or a TLS setup that does not match. Unlike an outage, this does not pass by itself; the
	 * binder keeps retrying so that a fix heals it without a restart.
	 */
	public static boolean isAccessFailure(Throwable ex) {
		return isNoPermission(ex) || isAuthenticationFailure(ex) || isTlsFailure(ex);
	}

	/**
	 * A one-line explanation of an access failure, naming what to check; null for any other failure.
	 * @param ex the failure
	 * @param user the Redis user the binder connects as
	 * @return the explanation, or null
	 */
	public static String explainAccessFailure(Throwable ex, String user) {
		if (isNoPermission(ex)) {
			return "Redis user '" + user + "' lacks an ACL permission: " + permissionReply(ex);
		}
		if (isAuthenticationFailure(ex)) {
			return "Redis refused the credentials of user '" + user + "' (" + authenticationReply(ex)
					+ "): check spring.data.redis.username and spring.data.redis.password (or the URL's credentials)";
		}
		if (isTlsFailure(ex)) {
			return "The TLS handshake with Redis failed (" + rootMessage(ex) + "): check spring.data.redis.ssl "
					+ "(the SSL bundle's truststore must hold the CA that signed Redis's certificate)";
		}
		return null;
	}

	/** A write refused under {@code maxmemory} with the {@code noeviction} policy. */
	public static boolean isOutOfMemory(Throwable ex) {
		return hasCode(ex, "OOM");
	}

	/** A command on a key that holds another type ({@code WRONGTYPE}), called directly or by a script. */
	public static boolean isWrongType(Throwable ex) {
		return hasCode(ex, "WRONGTYPE");
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
		return startsWithCode(calledCommandError(ex.getMessage()), code);
	}

	/**
	 * The error of the command a script called, out of the wrapper of Redis before 7.0; any other reply as it is.
	 */
	static String calledCommandError(String message) {
		if (!message.startsWith(SCRIPT_ERROR)) {
			return message;
		}
		Matcher prefix = SCRIPT_CALL_PREFIX.matcher(message);
		int end = -1;
		while (prefix.find()) {
			end = prefix.end();
		}
		return (end >= 0) ? message.substring(end) : message;
	}

	private static boolean startsWithCode(String message, String code) {
		return message.startsWith(code) && (message.length() == code.length() || message.charAt(code.length()) == ' ');
	}

	private static boolean isPermissionReply(String reply) {
		return startsWithCode(calledCommandError(reply), "NOPERM")
				|| (startsWithCode(reply, "ERR") && reply.contains(SCRIPT_DENIAL));
	}

	private static String permissionReply(Throwable ex) {
		return reply(ex, RedisErrors::isPermissionReply);
	}

	private static String authenticationReply(Throwable ex) {
		return reply(ex, (reply) -> startsWithCode(reply, "WRONGPASS") || startsWithCode(reply, "NOAUTH"));
	}

	/**
	 * The first error reply of Redis that matches, among the failure and its causes: only a
	 * {@link RedisCommandExecutionException} is one (a connection failure that happens to carry the same
	 * words is not).
	 */
	private static String reply(Throwable ex, Predicate<String> matches) {
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof RedisCommandExecutionException && cause.getMessage() != null
					&& matches.test(cause.getMessage())) {
				return cause.getMessage();
			}
		}
		return null;
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return (root.getMessage() != null) ? root.getMessage() : root.getClass().getName();
	}

}
