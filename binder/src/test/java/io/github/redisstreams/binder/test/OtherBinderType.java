package io.github.redisstreams.binder.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.cloud.stream.binder.AbstractMessageChannelBinder;
import org.springframework.cloud.stream.binder.ConsumerProperties;
import org.springframework.cloud.stream.binder.ProducerProperties;
import org.springframework.cloud.stream.provisioning.ConsumerDestination;
import org.springframework.cloud.stream.provisioning.ProducerDestination;
import org.springframework.cloud.stream.provisioning.ProvisioningProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.ResourceLoader;
import org.springframework.integration.endpoint.MessageProducerSupport;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandler;

/**
 * A second binder type, {@code other}, for applications that use the Redis binder next to another binder. Its
 * bindings are created and announced like any binder's ({@code BindingCreatedEvent}), but carry no messages.
 * <p>
 * Only an application started with {@link #resourceLoader()} sees it: its {@code META-INF/spring.binders} is
 * written to a directory of its own rather than put on the test classpath, where a second binder type would make
 * the application of every other test choose between two binders.
 */
public final class OtherBinderType {

	/** The binder type's name, for {@code spring.cloud.stream.binders.<name>.type} or a binding's {@code binder}. */
	public static final String NAME = "other";

	private OtherBinderType() {
	}

	/**
	 * A resource loader whose class loader also finds this binder type's {@code META-INF/spring.binders}, for
	 * {@code SpringApplicationBuilder.resourceLoader(...)}; classes come from the test class path as usual.
	 * @return the resource loader
	 */
	public static ResourceLoader resourceLoader() {
		try {
			Path root = Files.createTempDirectory("other-binder");
			Path binders = root.resolve("META-INF").resolve("spring.binders");
			Files.createDirectories(binders.getParent());
			Files.writeString(binders, NAME + ":" + OtherBinderConfiguration.class.getName() + "\n");
			ClassLoader loader = new URLClassLoader(new URL[] { root.toUri().toURL() },
					OtherBinderType.class.getClassLoader());
			return new DefaultResourceLoader(loader);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The binder type's configuration, loaded into the binder's own context.
	 */
	@Configuration(proxyBeanMethods = false)
	public static class OtherBinderConfiguration {

		@Bean
		OtherBinder otherBinder() {
			return new OtherBinder();
		}

	}

	static final class OtherBinder
			extends AbstractMessageChannelBinder<ConsumerProperties, ProducerProperties, Provisioner> {

		OtherBinder() {
			super(new String[0], new Provisioner());
		}

		@Override
		protected MessageHandler createProducerMessageHandler(ProducerDestination destination,
				ProducerProperties producerProperties, MessageChannel errorChannel) {
			return (message) -> {
			};
		}

		@Override
		protected MessageProducerSupport createConsumerEndpoint(ConsumerDestination destination, String group,
				ConsumerProperties properties) {
			MessageProducerSupport endpoint = new MessageProducerSupport() {
			};
			endpoint.setBeanFactory(getBeanFactory());
			return endpoint;
		}

	}

	static final class Provisioner implements ProvisioningProvider<ConsumerProperties, ProducerProperties> {

		@Override
		public ProducerDestination provisionProducerDestination(String name, ProducerProperties properties) {
			return new ProducerDestination() {

				@Override
				public String getName() {
					return name;
				}

				@Override
				public String getNameForPartition(int partition) {
					return name + "-" + partition;
				}

			};
		}

		@Override
		public ConsumerDestination provisionConsumerDestination(String name, String group,
				ConsumerProperties properties) {
			return () -> name;
		}

	}

}
