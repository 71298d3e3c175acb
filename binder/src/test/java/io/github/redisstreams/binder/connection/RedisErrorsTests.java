package io.github.redisstreams.binder.connection;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis error replies classified by their code, without Redis (the messages are the ones Redis 7 sends).
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

	@Test
	void onlyErrorRepliesOfRedisAreClassified() {
		// a connection failure that happens to carry the same word is not a reply of Redis
		assertThat(RedisErrors.isNoGroup(new RedisException("NOGROUP"))).isFalse();
		assertThat(RedisErrors.isNoGroup(null)).isFalse();
	}

}
