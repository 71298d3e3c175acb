package io.github.redisstreams.binder.properties;

import java.time.Duration;

import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.StringUtils;

/**
 * Redis-specific consumer properties of a binding
 * ({@code spring.cloud.stream.redis.bindings.<binding>.consumer.*}, defaults for every binding under
 * {@code spring.cloud.stream.redis.default.consumer.*}).
 * <p>
 * The core consumer properties ({@code spring.cloud.stream.bindings.<binding>.consumer.*}) apply
 * too: {@code concurrency} consumers per instance, {@code max-attempts} and {@code back-off-*} for
 * in-process retries, {@code retryable-exceptions}, {@code auto-startup}, partitioning.
 */
public class RedisConsumerProperties {

	/**
	 * Maximum number of entries one XREADGROUP returns (COUNT).
	 */
	private int readCount = 100;

	/**
	 * With batch-mode (spring.cloud.stream.bindings.<binding>.consumer.batch-mode): the fewest new entries a
	 * batch waits for, up to batch-max-wait, before it goes to the handler. 1 hands over whatever one read
	 * returned. At most read-count.
	 */
	private int batchMinCount = 1;

	/**
	 * With batch-mode: how long a batch smaller than batch-min-count waits for more new entries (further
	 * XREADGROUP calls blocking for the time left) before it goes to the handler as it is. 0 waits for none.
	 * At most half of claim-idle-time, since the entries already read wait with the batch.
	 */
	private Duration batchMaxWait = Duration.ZERO;

	/**
	 * Exactly-once processing inside Redis: the writes the handler makes through the binder (a Function's
	 * output, StreamBridge.send to a Redis binding, on the handler's thread) and through RedisStreamTransaction
	 * are applied in one atomic step with the entry's acknowledgement and idempotency marker, after the handler
	 * returned, and only while the entry is still this consumer's. Their keys must share the stream's Redis
	 * Cluster slot. Not with ack-mode manual.
	 */
	private boolean transactional;

	/**
	 * Who acknowledges entries: auto (the binder, after the handler returned) or manual (the application,
	 * through the RedisStreamAcknowledgment in the redis_acknowledgment header, from any thread). Manual
	 * acknowledgement takes one message at a time (not with batch-mode).
	 */
	private AckMode ackMode = AckMode.AUTO;

	/**
	 * With ack-mode manual: the most entries one consumer has handed to its handler and not yet seen settled
	 * by the application; the consumer reads no more until some are.
	 */
	private int maxUnacknowledged = 100;

	/**
	 * With ack-mode manual: how long an entry may wait for the application to settle it after its handler
	 * returned. After that the binder takes it back as a failed delivery (delivered again after
	 * claim-idle-time, dead-lettered after max-deliveries), logged at WARN, so that an entry whose handle was
	 * lost does not hold its place for ever.
	 */
	private Duration ackTimeout = Duration.ofMinutes(30);

	/**
	 * How long one XREADGROUP waits for new entries (BLOCK). A stopping binding finishes the entry in
	 * hand, hands the rest of its batch back to the group, and waits at most this long for a read under
	 * way.
	 */
	private Duration blockTimeout = Duration.ofSeconds(1);

	/**
	 * Where a consumer group created by the binder starts: earliest (the whole stream) or
	 * latest (only new entries). Defaults to earliest for a named group and latest for an
	 * anonymous binding. Ignored when the group already exists.
	 */
	private StartOffset startOffset;

	/**
	 * How long an entry must have been pending without any sign of life from its consumer before
	 * another consumer of the group takes it over (XPENDING IDLE, then XCLAIM). The binder keeps
	 * the entries it is still working on fresh, so this only expires for consumers that are gone; it is
	 * also the delay before a failed entry is delivered again.
	 */
	private Duration claimIdleTime = Duration.ofSeconds(30);

	/**
	 * How often each consumer looks for pending entries idle longer than claim-idle-time.
	 */
	private Duration claimInterval = Duration.ofSeconds(5);

	/**
	 * Maximum number of idle pending entries one look for them returns (XPENDING IDLE ... COUNT); they
	 * are then taken over one at a time, each right before its handler gets it.
	 */
	private int claimBatchSize = 100;

	/**
	 * Number of deliveries to the handler after which a failing entry is not processed again but
	 * dead-lettered. Deliveries are counted by Redis's own delivery counter of the pending entry, which the
	 * binder charges only when a handler gets the entry (never for entries merely fetched with others).
	 * Each delivery runs the in-process retries of max-attempts. An entry whose counter exceeds this
	 * value when it is taken again (its handler crashed the JVM every time) goes to the dead-letter stream
	 * unprocessed.
	 */
	private int maxDeliveries = 5;

	/**
	 * Whether entries that fail max-deliveries times, or fail with an exception that retrying
	 * cannot fix, go to a dead-letter stream. Defaults to true for a named group; anonymous bindings
	 * have no dead-letter stream. When false such entries are acknowledged and dropped, with an ERROR
	 * log describing the entry (its id, field names and sizes; their content with log-payloads) and the
	 * dropped counter incremented.
	 */
	private Boolean enableDlq;

	/**
	 * Name of the dead-letter stream. Defaults to <stream>:<group>:dlq with the stream name in a hash tag,
	 * e.g. "{orders}:order-service:dlq", so that it shares the stream's Redis Cluster slot. A custom name must
	 * hash to the same slot as the stream, so it should carry the same hash tag.
	 */
	private String dlqName;

	/**
	 * Approximate maximum length of the dead-letter stream (MAXLEN ~); 0 keeps every dead
	 * letter until it is replayed or purged.
	 */
	private long dlqMaxLen = 0;

	/**
	 * How long a consumer of the group may stay idle, with no pending entries, before it is removed
	 * from the group (XGROUP DELCONSUMER). Consumers that still own pending entries are never
	 * removed.
	 */
	private Duration consumerExpiry = Duration.ofMinutes(15);

	/**
	 * How long a stopping binding waits for its handlers to finish the entries in hand. A handler still
	 * running after that is left to finish: the binding keeps the leases of its entries until it returns
	 * (so that no other consumer takes them over meanwhile), and the entries stay pending.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(30);

	/**
	 * How the partitions of a partitioned binding (spring.cloud.stream.bindings.<binding>.consumer.partitioned)
	 * are shared among the instances of its group: static (each instance reads the partition of its
	 * instance-index, or those of its instance-index-list) or dynamic (the live instances share the partitions
	 * through ownership leases in Redis, each taking about partition-count / instances, and share them again when
	 * an instance joins, leaves or dies; needs partition-count, not instance-index-list).
	 */
	private PartitionAssignment partitionAssignment = PartitionAssignment.STATIC;

	/**
	 * With partition-assignment dynamic: the number of partitions of the destination, the producer's
	 * partition-count. Required then.
	 */
	private Integer partitionCount;

	/**
	 * With partition-assignment dynamic: how long an instance's ownership of a partition (and its membership of
	 * the group) lasts without renewal. Renewed every third of it; when an instance dies, its partitions are taken
	 * over after at most this long, and their pending entries as soon as they have been idle this long. At most
	 * claim-idle-time, at least twice block-timeout.
	 */
	private Duration partitionLeaseTime = Duration.ofSeconds(10);

	/**
	 * Skipping of duplicate deliveries by business key.
	 */
	private final Idempotency idempotency = new Idempotency();

	private String bindingName;

	public int getReadCount() {
		return this.readCount;
	}

	public void setReadCount(int readCount) {
		this.readCount = readCount;
	}

	public boolean isTransactional() {
		return this.transactional;
	}

	public void setTransactional(boolean transactional) {
		this.transactional = transactional;
	}

	public AckMode getAckMode() {
		return this.ackMode;
	}

	public void setAckMode(AckMode ackMode) {
		this.ackMode = ackMode;
	}

	public int getMaxUnacknowledged() {
		return this.maxUnacknowledged;
	}

	public void setMaxUnacknowledged(int maxUnacknowledged) {
		this.maxUnacknowledged = maxUnacknowledged;
	}

	public Duration getAckTimeout() {
		return this.ackTimeout;
	}

	public void setAckTimeout(Duration ackTimeout) {
		this.ackTimeout = ackTimeout;
	}

	public int getBatchMinCount() {
		return this.batchMinCount;
	}

	public void setBatchMinCount(int batchMinCount) {
		this.batchMinCount = batchMinCount;
	}

	public Duration getBatchMaxWait() {
		return this.batchMaxWait;
	}

	public void setBatchMaxWait(Duration batchMaxWait) {
		this.batchMaxWait = batchMaxWait;
	}

	public Duration getBlockTimeout() {
		return this.blockTimeout;
	}

	public void setBlockTimeout(Duration blockTimeout) {
		this.blockTimeout = blockTimeout;
	}

	public StartOffset getStartOffset() {
		return this.startOffset;
	}

	public void setStartOffset(StartOffset startOffset) {
		this.startOffset = startOffset;
	}

	public Duration getClaimIdleTime() {
		return this.claimIdleTime;
	}

	public void setClaimIdleTime(Duration claimIdleTime) {
		this.claimIdleTime = claimIdleTime;
	}

	public Duration getClaimInterval() {
		return this.claimInterval;
	}

	public void setClaimInterval(Duration claimInterval) {
		this.claimInterval = claimInterval;
	}

	public int getClaimBatchSize() {
		return this.claimBatchSize;
	}

	public void setClaimBatchSize(int claimBatchSize) {
		this.claimBatchSize = claimBatchSize;
	}

	public int getMaxDeliveries() {
		return this.maxDeliveries;
	}

	public void setMaxDeliveries(int maxDeliveries) {
		this.maxDeliveries = maxDeliveries;
	}

	public Boolean getEnableDlq() {
		return this.enableDlq;
	}

	public void setEnableDlq(Boolean enableDlq) {
		this.enableDlq = enableDlq;
	}

	public String getDlqName() {
		return this.dlqName;
	}

	public void setDlqName(String dlqName) {
		this.dlqName = dlqName;
	}

	public long getDlqMaxLen() {
		return this.dlqMaxLen;
	}

	public void setDlqMaxLen(long dlqMaxLen) {
		this.dlqMaxLen = dlqMaxLen;
	}

	public Duration getConsumerExpiry() {
		return this.consumerExpiry;
	}

	public void setConsumerExpiry(Duration consumerExpiry) {
		this.consumerExpiry = consumerExpiry;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public PartitionAssignment getPartitionAssignment() {
		return this.partitionAssignment;
	}

	public void setPartitionAssignment(PartitionAssignment partitionAssignment) {
		this.partitionAssignment = partitionAssignment;
	}

	public Integer getPartitionCount() {
		return this.partitionCount;
	}

	public void setPartitionCount(Integer partitionCount) {
		this.partitionCount = partitionCount;
	}

	public Duration getPartitionLeaseTime() {
		return this.partitionLeaseTime;
	}

	public void setPartitionLeaseTime(Duration partitionLeaseTime) {
		this.partitionLeaseTime = partitionLeaseTime;
	}

	/**
	 * Whether the instances of the group share the partitions through ownership leases.
	 */
	public boolean dynamicPartitions() {
		return this.partitionAssignment == PartitionAssignment.DYNAMIC;
	}

	public Idempotency getIdempotency() {
		return this.idempotency;
	}

	/**
	 * Records the binding these properties belong to. Not a configuration property: the core's copy of
	 * the consumer properties for each index of {@code instance-index-list} loses the binding name, while
	 * this object is shared by all the copies.
	 * @param bindingName the binding
	 */
	public void rememberBindingName(String bindingName) {
		this.bindingName = bindingName;
	}

	/**
	 * The binding these properties belong to, as recorded by {@link #rememberBindingName(String)}.
	 * @return the binding name, or null
	 */
	public String bindingName() {
		return this.bindingName;
	}

	/**
	 * Fails fast on values that cannot work.
	 * @param prefix the property prefix of the binding, e.g.
	 * {@code spring.cloud.stream.redis.bindings.input.consumer}
	 */
	public void validate(String prefix) {
		PropertyChecks.positive(prefix + ".read-count", this.readCount);
		PropertyChecks.positive(prefix + ".block-timeout", this.blockTimeout);
		PropertyChecks.positive(prefix + ".claim-idle-time", this.claimIdleTime);
		PropertyChecks.positive(prefix + ".claim-interval", this.claimInterval);
		PropertyChecks.positive(prefix + ".claim-batch-size", this.claimBatchSize);
		PropertyChecks.positive(prefix + ".max-deliveries", this.maxDeliveries);
		PropertyChecks.notNegative(prefix + ".dlq-max-len", this.dlqMaxLen);
		PropertyChecks.positive(prefix + ".consumer-expiry", this.consumerExpiry);
		PropertyChecks.positive(prefix + ".shutdown-timeout", this.shutdownTimeout);
		PropertyChecks.positive(prefix + ".max-unacknowledged", this.maxUnacknowledged);
		PropertyChecks.positive(prefix + ".ack-timeout", this.ackTimeout);
		if (this.transactional && this.ackMode == AckMode.MANUAL) {
			throw PropertyChecks.invalid(prefix + ".transactional", true,
					"cannot be combined with ack-mode manual: the atomic step is applied when the handler returns");
		}
		if (this.ackMode == null) {
			throw PropertyChecks.invalid(prefix + ".ack-mode", null, "must be auto or manual");
		}
		PropertyChecks.positive(prefix + ".batch-min-count", this.batchMinCount);
		if (this.batchMinCount > this.readCount) {
			throw PropertyChecks.invalid(prefix + ".batch-min-count", this.batchMinCount,
					"must not exceed read-count (" + this.readCount + ")");
		}
		if (this.batchMaxWait == null || this.batchMaxWait.isNegative()) {
			throw PropertyChecks.invalid(prefix + ".batch-max-wait", this.batchMaxWait, "must be 0 or more");
		}
		if (this.batchMaxWait.compareTo(this.claimIdleTime.dividedBy(2)) > 0) {
			// entries read first wait unleased for the rest of the batch: they must not look abandoned
			throw PropertyChecks.invalid(prefix + ".batch-max-wait", this.batchMaxWait,
					"must be at most half of claim-idle-time (" + this.claimIdleTime + ")");
		}
		if (this.dlqName != null && !StringUtils.hasText(this.dlqName)) {
			throw PropertyChecks.invalid(prefix + ".dlq-name", this.dlqName, "must not be blank");
		}
		this.idempotency.validate(prefix + ".idempotency");
		validatePartitions(prefix);
	}

	private void validatePartitions(String prefix) {
		if (this.partitionAssignment == null) {
			throw PropertyChecks.invalid(prefix + ".partition-assignment", null, "must be static or dynamic");
		}
		PropertyChecks.positive(prefix + ".partition-lease-time", this.partitionLeaseTime);
		if (this.partitionCount != null) {
			PropertyChecks.positive(prefix + ".partition-count", this.partitionCount);
		}
		if (!dynamicPartitions()) {
			return;
		}
		if (this.partitionCount == null) {
			throw PropertyChecks.invalid(prefix + ".partition-count", null,
					"must be set with partition-assignment dynamic (the producer's partition-count)");
		}
		if (this.partitionLeaseTime.compareTo(this.claimIdleTime) > 0) {
			// the new owner takes the old owner's pending entries once idle for the lease time
			throw PropertyChecks.invalid(prefix + ".partition-lease-time", this.partitionLeaseTime,
					"must be at most claim-idle-time (" + this.claimIdleTime + ")");
		}
		if (this.partitionLeaseTime.compareTo(this.blockTimeout.multipliedBy(2)) < 0) {
			// a consumer reads only while its lease is surely valid until the read ends
			throw PropertyChecks.invalid(prefix + ".partition-lease-time", this.partitionLeaseTime,
					"must be at least twice block-timeout (" + this.blockTimeout + ")");
		}
		if (this.partitionLeaseTime.toMillis() < 300) {
			throw PropertyChecks.invalid(prefix + ".partition-lease-time", this.partitionLeaseTime,
					"must be at least 300ms (it is renewed every third of it)");
		}
	}

	/**
	 * Skips a delivery whose business key was already processed successfully: the key is evaluated
	 * on the incoming message, and a marker with a time-to-live is written in the same atomic step as
	 * the acknowledgement, only after the handler succeeded.
	 */
	public static class Idempotency {

		/**
		 * SpEL expression evaluated on the incoming message that yields its business key, e.g.
		 * payload.orderId or headers['orderId']. A JSON payload is seen as a map of its
		 * fields, any other payload as a string. Idempotency is off when not set. A message for which
		 * the expression yields null is processed normally, without a marker.
		 */
		private String keyExpression;

		/**
		 * How long the processed marker of a key is kept; a duplicate arriving later than this is
		 * processed again. Choose it longer than the longest redelivery window (claim-idle-time times
		 * max-deliveries) and than producers' own retry windows.
		 */
		private Duration ttl = Duration.ofHours(24);

		public String getKeyExpression() {
			return this.keyExpression;
		}

		public void setKeyExpression(String keyExpression) {
			this.keyExpression = keyExpression;
		}

		public Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(Duration ttl) {
			this.ttl = ttl;
		}

		public boolean isEnabled() {
			return StringUtils.hasText(this.keyExpression);
		}

		void validate(String prefix) {
			PropertyChecks.positive(prefix + ".ttl", this.ttl);
			if (this.keyExpression != null && !this.keyExpression.isEmpty() && !StringUtils.hasText(this.keyExpression)) {
				throw PropertyChecks.invalid(prefix + ".key-expression", this.keyExpression, "must not be blank");
			}
			if (isEnabled()) {
				try {
					new SpelExpressionParser().parseExpression(this.keyExpression);
				}
				catch (ParseException ex) {
					throw PropertyChecks.invalid(prefix + ".key-expression", this.keyExpression,
							"must be a SpEL expression (" + ex.getMessage() + ")");
				}
			}
		}

	}

}
