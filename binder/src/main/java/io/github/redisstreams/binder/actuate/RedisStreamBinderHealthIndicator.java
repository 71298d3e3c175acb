package io.github.redisstreams.binder.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

import io.github.redisstreams.binder.metrics.BindingNames;
import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.ConsumerBindingView;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.connection.GroupInfo;
import io.github.redisstreams.binder.connection.RedisErrors;
import io.github.redisstreams.binder.connection.RedisRefusals;
import io.github.redisstreams.binder.connection.RedisStreamConnections;

/**
 * Health of the Redis binder, shown under {@code binders.redis} in {@code /actuator/health}.
 * <p>
 * DOWN only for real breakage: Redis does not answer within {@code health-timeout}, the binder's
 * connection is closed, a consumer loop of a running binding is not alive or cannot reach Redis, a
 * binding's consumer group is missing, or Redis refuses the binder a command it needs (its ACL rules) or
 * its credentials or TLS settings (listed under {@code refused}, with what to check, until it accepts them).
 * Lag, pending entries and dead letters never make it DOWN (a
 * busy stream is healthy); they are shown per binding as details.
 * <p>
 * The check runs on a thread of its own so that a hanging Redis makes it DOWN after the timeout
 * instead of blocking the health endpoint.
 */
public class RedisStreamBinderHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

	private final RedisConnectionFactory connectionFactory;

	private final RedisStreamConnections connections;

	private final RedisStreamBindingRegistry bindings;

	private final BindingStateReader reader;

	private final Duration timeout;

	private final ExecutorService executor = Executors
		.newSingleThreadExecutor(daemon(new CustomizableThreadFactory("redis-stream-health-")));

	/**
	 * @param bindings the running consumer bindings, or null when the binder has no registry
	 */
	public RedisStreamBinderHealthIndicator(RedisConnectionFactory connectionFactory,
			RedisStreamConnections connections, RedisStreamBindingRegistry bindings, Duration timeout) {
		super("Redis Streams binder health check failed");
		this.connectionFactory = connectionFactory;
		this.connections = connections;
		this.bindings = bindings;
		this.reader = new BindingStateReader(connections);
		this.timeout = timeout;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		Future<Health> check = this.executor.submit(this::checkRedisAndBindings);
		try {
			Health health = check.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
			builder.status(health.getStatus()).withDetails(health.getDetails());
		}
		catch (TimeoutException ex) {
			check.cancel(true);
			builder.down().withDetail("error", "Redis did not answer within " + this.timeout + " (health-timeout)");
		}
		catch (ExecutionException ex) {
			// a detail rather than the exception: Boot would log its stack trace at every check of an outage,
			// which the consumers already report once
			Throwable cause = ex.getCause();
			String refusal = RedisErrors.explainAccessFailure(cause, this.connections.refusals().user());
			builder.down().withDetail("error",
					(refusal != null) ? refusal : cause.getClass().getName() + ": " + cause.getMessage());
		}
	}

	private Health checkRedisAndBindings() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.ping();
		}
		if (!this.connections.shared().isOpen()) {
			return Health.down().withDetail("error", "The binder's connection to Redis is closed (reconnecting)").build();
		}
		Status status = Status.UP;
		Map<String, Object> details = new LinkedHashMap<>();
		// the ACL rules (or the credentials) do not let the binder do its work: it retries, and heals once fixed
		List<String> refused = this.connections.refusals().current().stream().map(RedisRefusals.Refusal::describe)
			.toList();
		if (!refused.isEmpty()) {
			status = Status.DOWN;
		}
		List<ConsumerBindingView> running = (this.bindings != null) ? this.bindings.consumers() : List.of();
		for (Map.Entry<String, ConsumerBindingView> binding : BindingNames.byUniqueName(running).entrySet()) {
			Map<String, Object> bindingDetails = new LinkedHashMap<>();
			List<String> problems = checkBinding(binding.getValue(), bindingDetails);
			if (!problems.isEmpty()) {
				status = Status.DOWN;
				bindingDetails.put("problems", problems);
			}
			details.put(binding.getKey(), bindingDetails);
		}
		Health.Builder health = Health.status(status);
		if (!refused.isEmpty()) {
			health.withDetail("refused", refused);
		}
		return health.withDetail("bindings", details).build();
	}

	private List<String> checkBinding(ConsumerBindingView binding, Map<String, Object> details) {
		List<String> problems = new ArrayList<>();
		details.put("stream", binding.stream());
		details.put("group", binding.group());
		details.put("consumers", binding.consumerNames());
		int expected = binding.expectedConsumers();
		int live = binding.liveConsumers();
		int inOutage = binding.consumersInOutage();
		details.put("liveConsumers", live);
		// a paused binding (bindings endpoint) is healthy: its consumers are alive and deliberately idle
		details.put("paused", binding.isPaused());
		if (live < expected) {
			problems.add((expected - live) + " of " + expected + " consumer loops are not running");
		}
		if (inOutage > 0) {
			problems.add(inOutage + " of " + expected + " consumers cannot reach Redis");
		}
		Map<String, Object> ownership = binding.partitionOwnership();
		if (ownership != null) {
			// partitions shared dynamically: the groups are on the partition streams, read by their owners
			details.put("partitions", ownership);
			return problems;
		}
		Optional<GroupInfo> group = this.reader.group(binding);
		if (group.isPresent()) {
			// counted by the binder when Redis does not report it (before 7.0): the same lag as the gauge
			BindingStateReader.GroupLag lag = this.reader.lag(binding, group.get());
			details.put("lag", lag.entries());
			if (lag.capped()) {
				details.put("lagCapped", true);
			}
			details.put("pending", group.get().pending());
		}
		else {
			problems.add("consumer group '" + binding.group() + "' is missing on stream '" + binding.stream()
					+ "' (the consumers create it again on their next read)");
		}
		return problems;
	}

	@Override
	public void destroy() {
		this.executor.shutdownNow();
	}

	private static CustomizableThreadFactory daemon(CustomizableThreadFactory factory) {
		factory.setDaemon(true);
		return factory;
	}

}
