package io.github.redisstreams.binder.config;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import io.github.redisstreams.binder.properties.RedisBinderConfigurationProperties;
import io.github.redisstreams.binder.metrics.BindingGaugeRefresher;
import io.github.redisstreams.binder.metrics.BindingMetricsFactory;
import io.github.redisstreams.binder.metrics.BindingStateReader;
import io.github.redisstreams.binder.metrics.MicrometerBindingMetricsFactory;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;

/**
 * Micrometer metrics of the Redis binder's bindings, when the application has a {@link MeterRegistry}:
 * the counters and timers each binding reports (the binder, in its own context, picks up the
 * {@link BindingMetricsFactory} from here) and the gauges read from Redis periodically.
 */
@AutoConfiguration(after = RedisStreamAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = RedisBinderConfigurationProperties.PREFIX + ".metrics.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RedisBinderConfigurationProperties.class)
public class RedisStreamMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(BindingMetricsFactory.class)
	MicrometerBindingMetricsFactory redisStreamsBindingMetricsFactory(MeterRegistry meterRegistry) {
		return new MicrometerBindingMetricsFactory(meterRegistry);
	}

	@Bean
	@ConditionalOnBean({ RedisStreamBindingRegistry.class, BindingStateReader.class })
	BindingGaugeRefresher redisStreamsBindingGaugeRefresher(RedisStreamBindingRegistry bindingRegistry,
			BindingStateReader redisStreamsBindingStateReader, MeterRegistry meterRegistry,
			RedisBinderConfigurationProperties binderProperties) {
		binderProperties.validate();
		return new BindingGaugeRefresher(bindingRegistry, redisStreamsBindingStateReader, meterRegistry,
				binderProperties.getMetrics().getRefreshInterval());
	}

}
