package io.github.redisstreams.binder.connection;

import javax.net.ssl.SSLHandshakeException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis error replies classified by their code, without Redis (the messages are the ones Redis 7 sends), and
 * the refusals (ACL, credentials, TLS) told apart from outages.
 */
class RedisErrorsTests {

	@Test
	void errorsAreToldApartByTheirCode() {
		RedisException noGroup = new RedisCommandExecutionException(
				"NOGROUP No such key 'orders' or consumer group 'billing' in XREADGROUP with GROUP option");
		RedisException busyGroup = new RedisCommandExecutionException("BUSYGROUP Consumer Group name already exists");
		RedisException noPerm = new RedisCommandExecutionException(
				"NOPERM this user has no permissions to run the 'xack' command");
		RedisException oom = new RedisCommandExecutionException(
				"OOM command not allowed when used memory > 'maxmemory'.");
		assertThat(RedisErrors.isNoGroup(noGroup)).isTrue();
		assertThat(RedisErrors.isNoGroup(busyGroup)).isFalse();
		assertThat(RedisErrors.isBusyGroup(busyGroup)).isTrue();
		assertThat(RedisErrors.isNoPermission(noPerm)).isTrue();
		assertThat(RedisErrors.isOutOfMemory(oom)).isTrue();
		assertThat(RedisErrors.isOutOfMemory(new RedisCommandExecutionException("OOMPH not a code"))).isFalse();
		assertThat(RedisErrors.isNoSuchKey(new RedisCommandExecutionException("ERR no such key"))).isTrue();
	}

	/**
	 * Redis 6.2 wraps the error of a command called by a script in an ERR (these are its replies, taken from a
	 * 6.2.11 server); the code inside counts.
	 */
	@Test
	void errorsOfCommandsCalledByScriptsOnRedis62AreToldApartByTheirCode() {
		RedisException wrongType = new RedisCommandExecutionException("ERR Error running script (call to "
				+ "f_e81023deb3af3d1fd09b14ca33098d3a6f82f668): @user_script:21: WRONGTYPE Operation against a key "
				+ "holding the wrong kind of value");
		RedisException noGroup = new RedisCommandExecutionException("ERR Error running script (call to "
				+ "f_ea867bb19edf44bd3c1e5cfddc955bfc17fe320a): @user_script:1: NOGROUP No such key 'nostream' or "
				+ "consumer group 'nog' in XREADGROUP with GROUP option");
		RedisException denied = new RedisCommandExecutionException("ERR Error running script (call to "
				+ "f_e81023deb3af3d1fd09b14ca33098d3a6f82f668): @user_script:1: @user_script: 1: The user executing "
				+ "the script can't run this command or subcommand");
		RedisException otherScriptError = new RedisCommandExecutionException("ERR Error running script (call to "
				+ "f_e81023deb3af3d1fd09b14ca33098d3a6f82f668): @user_script:3: user_script:3: attempt to compare nil");
		assertThat(RedisErrors.isWrongType(wrongType)).isTrue();
		assertThat(RedisErrors.isNoGroup(wrongType)).isFalse();
		assertThat(RedisErrors.isNoGroup(noGroup)).isTrue();
		assertThat(RedisErrors.isNoPermission(denied)).isTrue();
		assertThat(RedisErrors.isWrongType(otherScriptError)).isFalse();
		assertThat(RedisErrors.isNoGroup(otherScriptError)).isFalse();
		assertThat(RedisErrors.isWrongType(new RedisCommandExecutionException(
				"WRONGTYPE Operation against a key holding the wrong kind of value"))).isTrue();
	}

	@Test
	void refusalsAreAccessFailuresNotOutages() {
		RedisException keyDenied = new RedisCommandExecutionException(
				"NOPERM this user has no permissions to access one of the keys used as arguments");
		// Redis 7.0's reply to a command a script calls
		RedisException scriptDenied = new RedisCommandExecutionException("ERR The user executing the script can't "
				+ "run this command or subcommand script: 4a3f..., on @user_script:11.");
		RedisException wrongPass = new RedisCommandExecutionException(
				"WRONGPASS invalid username-password pair or user is disabled.");
		RedisException noAuth = new RedisCommandExecutionException("NOAUTH Authentication required.");
		// as Lettuce reports a handshake that failed
		RedisException refusedHandshake = new RedisConnectionException("Unable to connect to 127.0.0.1:6379",
				wrongPass);
		RedisException untrusted = new RedisConnectionException("Unable to connect to 127.0.0.1:6380",
				new SSLHandshakeException("PKIX path building failed"));

		assertThat(RedisErrors.isNoPermission(keyDenied)).isTrue();
		assertThat(RedisErrors.isNoPermission(scriptDenied)).isTrue();
		assertThat(RedisErrors.isNoPermission(new RedisCommandExecutionException("ERR unknown command"))).isFalse();
		assertThat(RedisErrors.isAuthenticationFailure(refusedHandshake)).isTrue();
		assertThat(RedisErrors.isAuthenticationFailure(noAuth)).isTrue();
		assertThat(RedisErrors.isNoPermission(refusedHandshake)).isFalse();
		assertThat(RedisErrors.isTlsFailure(untrusted)).isTrue();
		assertThat(RedisErrors.isAccessFailure(keyDenied)).isTrue();
		assertThat(RedisErrors.isAccessFailure(refusedHandshake)).isTrue();
		assertThat(RedisErrors.isAccessFailure(untrusted)).isTrue();
		assertThat(RedisErrors.isAccessFailure(new RedisConnectionException("Connection refused"))).isFalse();
		assertThat(RedisErrors.isAccessFailure(new RedisCommandTimeoutException("Command timed out"))).isFalse();

		assertThat(RedisErrors.explainAccessFailure(keyDenied, "app")).isEqualTo("Redis user 'app' lacks an ACL "
				+ "permission: NOPERM this user has no permissions to access one of the keys used as arguments");
		assertThat(RedisErrors.explainAccessFailure(refusedHandshake, "app"))
			.startsWith("Redis refused the credentials of user 'app' (WRONGPASS invalid username-password pair");
		assertThat(RedisErrors.explainAccessFailure(untrusted, "app"))
			.startsWith("The TLS handshake with Redis failed (PKIX path building failed)");
		assertThat(RedisErrors.explainAccessFailure(new RedisConnectionException("Connection refused"), "app"))
			.isNull();
	}

	@Test
	void onlyErrorRepliesOfRedisAreClassified() {
		// a connection failure that happens to carry the same word is not a reply of Redis
		assertThat(RedisErrors.isNoGroup(new RedisException("NOGROUP"))).isFalse();
		assertThat(RedisErrors.isNoGroup(null)).isFalse();
		assertThat(RedisErrors.isAccessFailure(new RedisException("NOPERM", new RedisException("WRONGPASS"))))
			.isFalse();
	}

}
