package io.github.redisstreams.binder.topology;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.redisstreams.binder.config.RedisStreamAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binder turns Lettuce's cluster topology refresh on when the application left Spring Boot's default (off),
 * and leaves every choice of the application alone. Nothing connects: the options are read from the connection
 * factory.
 */
class ClusterTopologyRefreshTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RedisStreamAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.cluster.nodes=127.0.0.1:7000");

	@Test
	void turnsOnAdaptiveAndPeriodicRefreshWhenTheApplicationSetNone() {
		this.runner.run((context) -> {
			ClusterTopologyRefreshOptions refresh = refresh(context);
			assertThat(refresh.getAdaptiveRefreshTriggers()).containsExactlyInAnyOrder(RefreshTrigger.values());
			assertThat(refresh.getAdaptiveRefreshTimeout()).isEqualTo(Duration.ofSeconds(5));
			assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
			assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(30));
			assertThat(refresh.useDynamicRefreshSources()).isTrue();
		});
	}

	@Test
	void keepsTheOtherRefreshSettingsOfTheApplication() {
		this.runner.withPropertyValues("spring.data.redis.lettuce.cluster.refresh.dynamic-refresh-sources=false")
			.run((context) -> {
				ClusterTopologyRefreshOptions refresh = refresh(context);
				assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
				assertThat(refresh.useDynamicRefreshSources()).isFalse();
			});
	}

	@Test
	void leavesTheRefreshOffWhenTheApplicationTurnedItOff() {
		this.runner.withPropertyValues("spring.data.redis.lettuce.cluster.refresh.adaptive=false").run((context) -> {
			ClusterTopologyRefreshOptions refresh = refresh(context);
			assertThat(refresh.getAdaptiveRefreshTriggers()).isEmpty();
			assertThat(refresh.isPeriodicRefreshEnabled()).isFalse();
		});
	}

	@Test
	void leavesAPeriodOfTheApplicationAlone() {
		this.runner.withPropertyValues("spring.data.redis.lettuce.cluster.refresh.period=10s").run((context) -> {
			ClusterTopologyRefreshOptions refresh = refresh(context);
			assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(10));
			assertThat(refresh.getAdaptiveRefreshTriggers()).isEmpty();
		});
	}

	@Test
	void aCustomizerOfTheApplicationHasTheLastWord() {
		this.runner
			.withBean(LettuceClientOptionsBuilderCustomizer.class,
					() -> (builder) -> ((ClusterClientOptions.Builder) builder).topologyRefreshOptions(
							ClusterTopologyRefreshOptions.builder().enableAdaptiveRefreshTrigger(RefreshTrigger.MOVED_REDIRECT)
								.build()))
			.run((context) -> {
				ClusterTopologyRefreshOptions refresh = refresh(context);
				assertThat(refresh.getAdaptiveRefreshTriggers()).containsExactly(RefreshTrigger.MOVED_REDIRECT);
				assertThat(refresh.isPeriodicRefreshEnabled()).isFalse();
			});
	}

	@Test
	void changesNothingOutsideACluster() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RedisStreamAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.url=redis://127.0.0.1:6379")
			.run((context) -> assertThat(options(context)).isNotInstanceOf(ClusterClientOptions.class));
	}

	private static ClusterTopologyRefreshOptions refresh(ApplicationContext context) {
		assertThat(context).isNotNull();
		return ((ClusterClientOptions) options(context)).getTopologyRefreshOptions();
	}

	private static ClientOptions options(ApplicationContext context) {
		return context.getBean(LettuceConnectionFactory.class).getClientConfiguration().getClientOptions().orElseThrow();
	}

}
