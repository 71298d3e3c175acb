package io.github.redisstreams.binder.config;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.stream.binder.Binder;
import org.springframework.cloud.stream.config.BindingServiceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import io.github.redisstreams.binder.RedisStreamMessageChannelBinder;
import io.github.redisstreams.binder.connection.RedisStreamConnections;
import io.github.redisstreams.binder.connection.ServerVersionCheck;
import io.github.redisstreams.binder.inbound.ConsumerNames;
import io.github.redisstreams.binder.metrics.BindingMetricsFactory;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.properties.RedisBinderConfigurationProperties;
import io.github.redisstreams.binder.properties.RedisExtendedBindingProperties;
import io.github.redisstreams.binder.provisioning.RedisStreamProvisioner;

/**
 * The binder's configuration, listed as {@code redis} in {@code META-INF/spring.binders}: Spring Cloud
 * Stream loads it into the binder's own context, whose parent is the application context (or, for a
 * binder with its own {@code environment}, no parent).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(Binder.class)
@EnableConfigurationProperties({ RedisBinderConfigurationProperties.class, RedisExtendedBindingProperties.class })
@Import({ RedisStreamBinderConnectionConfiguration.class, RedisStreamBinderHealthConfiguration.class })
public class RedisStreamBinderConfiguration {

	@Bean
	RedisStreamConnections redisStreamConnections(RedisConnectionFactory connectionFactory,
			RedisBinderConfigurationProperties binderProperties) {
		return new RedisStreamConnections(connectionFactory, binderProperties.isConsolidateFlushes());
	}

	@Bean
	RedisStreamProvisioner redisStreamProvisioner(RedisBinderConfigurationProperties binderProperties,
			RedisStreamConnections connections) {
		binderProperties.validate();
		// one INFO per binder, before its first binding: an unsupported server fails the start here
		ServerVersionCheck.verify(connections);
		return new RedisStreamProvisioner(binderProperties, connections);
	}

	/**
	 * Runs the periodic work of all consumer bindings: lease renewal and consumer clean-up. Each task is
	 * short; the reading loops have threads of their own.
	 */
	@Bean(destroyMethod = "shutdown")
	ThreadPoolTaskScheduler redisStreamBinderScheduler() {
		return scheduler("redis-stream-maintenance-", 2);
	}

	/**
	 * Runs the retention trims of all producer bindings, one at a time.
	 */
	@Bean(destroyMethod = "shutdown")
	ThreadPoolTaskScheduler redisStreamRetentionScheduler() {
		return scheduler("redis-stream-retention-", 1);
	}

	@Bean
	RedisStreamMessageChannelBinder redisStreamMessageChannelBinder(RedisStreamProvisioner provisioner,
			RedisStreamConnections connections, ThreadPoolTaskScheduler redisStreamBinderScheduler,
			ThreadPoolTaskScheduler redisStreamRetentionScheduler,
			RedisBinderConfigurationProperties binderProperties,
			RedisExtendedBindingProperties extendedBindingProperties,
			ObjectProvider<BindingMetricsFactory> metricsFactory,
			ObjectProvider<RedisStreamBindingRegistry> bindingRegistry,
			ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<BindingServiceProperties> bindingServiceProperties) {
		RedisStreamMessageChannelBinder binder = new RedisStreamMessageChannelBinder(provisioner, connections,
				redisStreamBinderScheduler, redisStreamRetentionScheduler,
				new ConsumerNames(binderProperties.resolveInstanceId()));
		binder.setExtendedBindingProperties(extendedBindingProperties);
		binder.setLogPayloads(binderProperties.isLogPayloads());
		metricsFactory.ifAvailable(binder::setMetricsFactory);
		bindingServiceProperties.ifAvailable(binder::setBindingServiceProperties);
		bindingRegistry.ifAvailable(binder::setBindingRegistry);
		if (binderProperties.isEnableObservation()) {
			observationRegistry.ifAvailable(binder::setObservationRegistry);
		}
		return binder;
	}

	private static ThreadPoolTaskScheduler scheduler(String threadNamePrefix, int threads) {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(threads);
		scheduler.setThreadNamePrefix(threadNamePrefix);
		scheduler.setDaemon(true);
		scheduler.initialize();
		return scheduler;
	}

}
