package io.github.redisstreams.binder.properties;

import java.time.Duration;

import org.springframework.util.unit.DataSize;

/**
 * Redis-specific producer properties of a binding
 * ({@code spring.cloud.stream.redis.bindings.<binding>.producer.*}, defaults for every binding under
 * {@code spring.cloud.stream.redis.default.producer.*}).
 */
public class RedisProducerProperties {

	/**
	 * Approximate maximum number of entries kept in the stream; 0 for no length cap. In safe
	 * retention mode entries that a consumer group has not read or still has pending are kept even
	 * beyond this length.
	 */
	private long maxLen = 0;

	/**
	 * Maximum age of the entries kept in the stream, judged by the time in their ids (MINID).
	 * Not set by default (no age limit).
	 */
	private Duration maxAge;

	/**
	 * How max-len and max-age are applied: safe trims periodically and never
	 * past entries that a consumer group has not read or still has pending, creates the producer's
	 * missing required-groups again before trimming and does not trim a stream that lost all its
	 * groups; capped trims as configured on every XADD, whatever the groups have read.
	 */
	private RetentionMode retentionMode = RetentionMode.SAFE;

	/**
	 * How often the retention trim runs for this producer's streams (safe mode, and
	 * capped mode with max-age).
	 */
	private Duration trimInterval = Duration.ofSeconds(10);

	/**
	 * Whether a send waits for Redis to confirm the XADD and fails on error. When false (the
	 * default, as in the Kafka binder) the send returns once the command is written and a failure is
	 * reported to the binding's error channel and logged; an application that must not lose a message
	 * it has accepted (e.g. an HTTP request answered with 201) should set it to true.
	 */
	private boolean sync = false;

	/**
	 * How long a send may wait: for the XADD reply in sync mode, and for room among the
	 * commands in flight when Redis is slow or unreachable.
	 */
	private Duration sendTimeout = Duration.ofSeconds(10);

	/**
	 * Maximum number of XADD commands awaiting a reply from Redis; further sends wait up to
	 * send-timeout. Bounds the memory used while Redis is slow or unreachable.
	 */
	private int maxInFlight = 10_000;

	/**
	 * Largest entry a send may write: the payload and the header fields, names and values, in bytes.
	 * A larger message is refused at send with an EntryTooLargeException (and counted as a failed send),
	 * before anything reaches Redis. Each entry is held in Redis's memory, replicated, and read whole by
	 * every group, up to read-count entries per read. 0 for no limit (Redis's own is 512MB per field,
	 * proto-max-bulk-len).
	 */
	private DataSize maxEntrySize = DataSize.ofMegabytes(1);

	/**
	 * Which message headers are written as entry fields: patterns matched in order, * as wildcard and a
	 * leading ! to exclude. Headers named id and timestamp, Spring Cloud Stream's internal scst_* headers
	 * and the binder's own redis_* headers are never written.
	 */
	private String[] headerPatterns = { "*" };

	/**
	 * How many replicas must have received a write before it counts as sent: the binding writes on a connection of
	 * its own and, after its XADD, sends WAIT on it, one WAIT for all the writes made since the previous one. A write that fewer replicas
	 * confirm within wait-timeout fails like a refused write (the send throws in sync mode, the error channel and an
	 * ERROR log otherwise), although the master stored it. 0 (the default) does not wait. Not on Redis Cluster.
	 */
	private int waitForReplicas = 0;

	/**
	 * How long a WAIT for wait-for-replicas may block: at least 1ms, shorter than send-timeout and than the command
	 * timeout (spring.data.redis.timeout). While it blocks, only the binding's own next writes wait behind it.
	 */
	private Duration waitTimeout = Duration.ofSeconds(1);

	public int getWaitForReplicas() {
		return this.waitForReplicas;
	}

	public void setWaitForReplicas(int waitForReplicas) {
		this.waitForReplicas = waitForReplicas;
	}

	public Duration getWaitTimeout() {
		return this.waitTimeout;
	}

	public void setWaitTimeout(Duration waitTimeout) {
		this.waitTimeout = waitTimeout;
	}

	public long getMaxLen() {
		return this.maxLen;
	}

	public void setMaxLen(long maxLen) {
		this.maxLen = maxLen;
	}

	public Duration getMaxAge() {
		return this.maxAge;
	}

	public void setMaxAge(Duration maxAge) {
		this.maxAge = maxAge;
	}

	public RetentionMode getRetentionMode() {
		return this.retentionMode;
	}

	public void setRetentionMode(RetentionMode retentionMode) {
		this.retentionMode = retentionMode;
	}

	public Duration getTrimInterval() {
		return this.trimInterval;
	}

	public void setTrimInterval(Duration trimInterval) {
		this.trimInterval = trimInterval;
	}

	public boolean isSync() {
		return this.sync;
	}

	public void setSync(boolean sync) {
		this.sync = sync;
	}

	public Duration getSendTimeout() {
		return this.sendTimeout;
	}

	public void setSendTimeout(Duration sendTimeout) {
		this.sendTimeout = sendTimeout;
	}

	public DataSize getMaxEntrySize() {
		return this.maxEntrySize;
	}

	public void setMaxEntrySize(DataSize maxEntrySize) {
		this.maxEntrySize = maxEntrySize;
	}

	public int getMaxInFlight() {
		return this.maxInFlight;
	}

	public void setMaxInFlight(int maxInFlight) {
		this.maxInFlight = maxInFlight;
	}

	public String[] getHeaderPatterns() {
		return this.headerPatterns;
	}

	public void setHeaderPatterns(String[] headerPatterns) {
		this.headerPatterns = headerPatterns;
	}

	/**
	 * Whether this producer asks for any trimming at all.
	 * @return true when {@code max-len} or {@code max-age} is set
	 */
	public boolean hasRetention() {
		return this.maxLen > 0 || this.maxAge != null;
	}

	/**
	 * Fails fast on values that cannot work.
	 * @param prefix the property prefix of the binding, e.g.
	 * {@code spring.cloud.stream.redis.bindings.output.producer}
	 */
	public void validate(String prefix) {
		PropertyChecks.notNegative(prefix + ".max-len", this.maxLen);
		PropertyChecks.positiveIfSet(prefix + ".max-age", this.maxAge);
		PropertyChecks.positive(prefix + ".trim-interval", this.trimInterval);
		PropertyChecks.positive(prefix + ".send-timeout", this.sendTimeout);
		PropertyChecks.positive(prefix + ".max-in-flight", this.maxInFlight);
		PropertyChecks.notNegative(prefix + ".wait-for-replicas", this.waitForReplicas);
		PropertyChecks.positive(prefix + ".wait-timeout", this.waitTimeout);
		if (this.waitForReplicas > 0 && this.waitTimeout.toMillis() < 1) {
			// WAIT takes whole milliseconds, and WAIT n 0 blocks for ever
			throw PropertyChecks.invalid(prefix + ".wait-timeout", this.waitTimeout, "must be at least 1ms");
		}
		if (this.waitForReplicas > 0 && this.waitTimeout.compareTo(this.sendTimeout) >= 0) {
			throw PropertyChecks.invalid(prefix + ".wait-timeout", this.waitTimeout,
					"must be shorter than send-timeout (" + this.sendTimeout + ")");
		}
		if (this.maxEntrySize == null || this.maxEntrySize.isNegative()) {
			throw PropertyChecks.invalid(prefix + ".max-entry-size", this.maxEntrySize, "must be 0 or more");
		}
		if (this.retentionMode == null) {
			throw PropertyChecks.invalid(prefix + ".retention-mode", null, "must be safe or capped");
		}
		if (this.headerPatterns == null || this.headerPatterns.length == 0) {
			throw PropertyChecks.invalid(prefix + ".header-patterns", "", "must list at least one pattern");
		}
	}

}
