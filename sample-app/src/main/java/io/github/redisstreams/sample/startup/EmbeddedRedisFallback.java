package io.github.redisstreams.sample.startup;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.redisstreams.sample.SampleProperties;

/**
 * Lets the sample's first run work on a machine with Java only: when no Redis is configured (see
 * {@link ConfiguredRedis}) and none answers at {@code sample.embedded-redis.probe-address}
 * ({@code localhost:6379}), starts an {@link EmbeddedRedis} and points {@code spring.data.redis.host} and
 * {@code port} at it. Runs as an initializer, before any bean exists, so the connection factory is built with
 * the embedded address. The server is the context's first bean and every Redis connection factory depends on
 * it, so it stops only after everything that uses Redis has stopped. Off with
 * {@code sample.embedded-redis.enabled=false}. Registered in {@code META-INF/spring.factories}.
 */
public class EmbeddedRedisFallback implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	static final String BEAN_NAME = "embeddedRedis";

	static final String PROPERTY_SOURCE = "embeddedRedis";

	private static final int PROBE_TIMEOUT_MILLIS = 500;

	private static final Log logger = LogFactory.getLog(EmbeddedRedisFallback.class);

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		ConfigurableEnvironment environment = context.getEnvironment();
		SampleProperties.EmbeddedRedis settings = Binder.get(environment)
			.bind("sample.embedded-redis", SampleProperties.EmbeddedRedis.class)
			.orElseGet(() -> new SampleProperties.EmbeddedRedis(null, null));
		if (!settings.enabled() || ConfiguredRedis.isConfigured(environment)
				|| answers(settings.probeHost(), settings.probePort())) {
			return;
		}
		String probeAddress = settings.probeAddress();
		if (!(context instanceof GenericApplicationContext registry)) {
			return;
		}
		EmbeddedRedis redis;
		try {
			redis = EmbeddedRedis.start();
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException("No Redis is configured, none answers at " + probeAddress
					+ ", and the embedded Redis did not start (" + ex.getMessage() + "): start Redis or point the "
					+ "sample to yours with SPRING_DATA_REDIS_URL=redis://host:port", ex);
		}
		environment.getPropertySources()
			.addFirst(new MapPropertySource(PROPERTY_SOURCE,
					Map.of("spring.data.redis.host", EmbeddedRedis.HOST, "spring.data.redis.port", redis.port())));
		registry.registerBean(BEAN_NAME, EmbeddedRedis.class, () -> redis);
		context.addBeanFactoryPostProcessor((beanFactory) -> {
			for (String name : beanFactory.getBeanNamesForType(RedisConnectionFactory.class, true, false)) {
				if (beanFactory.containsBeanDefinition(name)) {
					BeanDefinition definition = beanFactory.getBeanDefinition(name);
					definition.setDependsOn(dependsOn(definition.getDependsOn()));
				}
			}
		});
		logger.info("No Redis configured and none at " + probeAddress + ": started an embedded Redis 6.2 at "
				+ redis.address() + " for this run; its data is not kept. To use your Redis, set "
				+ "SPRING_DATA_REDIS_URL=redis://host:port (or spring.data.redis.*), or start one on " + probeAddress
				+ ".");
	}

	private static String[] dependsOn(String[] existing) {
		if (existing == null) {
			return new String[] { BEAN_NAME };
		}
		String[] all = Arrays.copyOf(existing, existing.length + 1);
		all[existing.length] = BEAN_NAME;
		return all;
	}

	private static boolean answers(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MILLIS);
			return true;
		}
		catch (Exception ex) {
			return false;
		}
	}

}
