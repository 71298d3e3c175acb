package io.github.redisstreams.binder.config;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Turns on Lettuce's cluster topology refresh when the application left it at Spring Boot's default (off).
 * <p>
 * Without a refresh, a Lettuce cluster client keeps the slot map it read at startup: when the master owning a
 * stream's slot dies and its replica takes over, every command for that slot still goes to the dead node, and
 * the binder never reads or writes that stream again. With the refresh on, a reconnecting node, a
 * {@code MOVED}/{@code ASK} redirection or an uncovered slot makes Lettuce read the topology again (adaptive
 * triggers), and a periodic refresh catches changes no command ran into.
 * <p>
 * The application keeps control: when it sets {@code spring.data.redis.lettuce.cluster.refresh.adaptive} or
 * {@code .period} (even to turn them off), this customizer does nothing; it runs first, so a
 * {@code LettuceClientOptionsBuilderCustomizer} of the application's own overrides what it set.
 */
public class ClusterTopologyRefresh implements LettuceClientOptionsBuilderCustomizer, Ordered {

	private static final Log logger = LogFactory.getLog(ClusterTopologyRefresh.class);

	/** Spring Boot's properties whose presence means the application chose its refresh itself. */
	static final String ADAPTIVE = "spring.data.redis.lettuce.cluster.refresh.adaptive";

	static final String PERIOD = "spring.data.redis.lettuce.cluster.refresh.period";

	/** Catches topology changes that no command of this client ran into (a slot moved, a replica added). */
	static final Duration REFRESH_PERIOD = Duration.ofSeconds(30);

	/**
	 * Shortest time between two refreshes that triggers ask for: short enough that a refresh made while the
	 * cluster was still electing a new master (node timeout) is followed soon by one that sees it, long enough
	 * that many clients reconnecting at once do not flood the cluster with CLUSTER NODES.
	 */
	static final Duration ADAPTIVE_REFRESH_TIMEOUT = Duration.ofSeconds(5);

	private final Binder binder;

	public ClusterTopologyRefresh(Environment environment) {
		this.binder = Binder.get(environment);
	}

	@Override
	public void customize(ClientOptions.Builder builder) {
		// Spring Boot passes a cluster builder only in cluster mode (spring.data.redis.cluster.*)
		if (!(builder instanceof ClusterClientOptions.Builder cluster) || chosenByApplication()) {
			return;
		}
		ClusterTopologyRefreshOptions current = cluster.build().getTopologyRefreshOptions();
		if (current.isPeriodicRefreshEnabled() || !current.getAdaptiveRefreshTriggers().isEmpty()) {
			return;
		}
		cluster.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
			.dynamicRefreshSources(current.useDynamicRefreshSources())
			.closeStaleConnections(current.isCloseStaleConnections())
			.refreshTriggersReconnectAttempts(current.getRefreshTriggersReconnectAttempts())
			.enableAllAdaptiveRefreshTriggers()
			.adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_TIMEOUT)
			.enablePeriodicRefresh(REFRESH_PERIOD)
			.build());
		logger.info("Redis Cluster topology refresh turned on so that the binder follows failovers and moved slots: "
				+ "adaptive triggers (at most one refresh per " + ADAPTIVE_REFRESH_TIMEOUT.toSeconds()
				+ "s) and a periodic refresh every " + REFRESH_PERIOD.toSeconds() + "s; set " + ADAPTIVE + " or "
				+ PERIOD + " to choose otherwise");
	}

	private boolean chosenByApplication() {
		return this.binder.bind(ADAPTIVE, Bindable.of(Boolean.class)).isBound()
				|| this.binder.bind(PERIOD, Bindable.of(Duration.class)).isBound();
	}

	/**
	 * Before the application's customizers, which therefore have the last word.
	 */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
