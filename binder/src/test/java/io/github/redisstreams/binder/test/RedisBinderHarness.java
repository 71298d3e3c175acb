package io.github.redisstreams.binder.test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.binder.Binder;
import org.springframework.cloud.stream.binder.BinderFactory;
import org.springframework.cloud.stream.binder.Binding;
import org.springframework.cloud.stream.binder.DefaultPollableMessageSource;
import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.cloud.stream.binder.ExtendedProducerProperties;
import org.springframework.cloud.stream.binder.PollableSource;
import org.springframework.cloud.stream.binding.MessageConverterConfigurer;
import org.springframework.cloud.stream.binding.MessageSourceBindingTargetFactory;
import org.springframework.cloud.stream.config.BindingProperties;
import org.springframework.cloud.stream.config.BindingServiceProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.SubscribableChannel;

import io.github.redisstreams.binder.RedisStreamMessageChannelBinder;
import io.github.redisstreams.binder.metrics.RedisStreamBindingRegistry;
import io.github.redisstreams.binder.properties.RedisConsumerProperties;
import io.github.redisstreams.binder.properties.RedisProducerProperties;

/**
 * A minimal Spring Boot application with the Redis binder, whose channels the test binds itself, as
 * Spring Cloud Stream's binder tests do: {@link #bindConsumer} and {@link #bindProducer} call the
 * binder directly with properties built like the core builds them (binder defaults, extended
 * properties of the binding, binding name), on channels configured like the core configures the
 * channels of functions (content type, partitioning); {@link #bindPollableConsumer} binds a pollable
 * source the same way. Every binding made here is unbound by
 * {@link #close()}.
 * <p>
 * Short timings suit tests: consumer {@code block-timeout} defaults to 150 ms here (any argument
 * given to {@link #start} overrides it).
 */
public final class RedisBinderHarness implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final RedisStreamMessageChannelBinder binder;

	private final List<Binding<?>> bindings = new CopyOnWriteArrayList<>();

	private RedisBinderHarness(ConfigurableApplicationContext context) {
		this.context = context;
		BinderFactory binderFactory = context.getBean(BinderFactory.class);
		Binder<MessageChannel, ?, ?> found = binderFactory.getBinder("redis", MessageChannel.class);
		this.binder = (RedisStreamMessageChannelBinder) found;
	}

	/**
	 * Starts the application against the test Redis of {@link RedisTestSupport}.
	 * @param args command line arguments, e.g. {@code --spring.cloud.stream.redis.binder.instance-id=a}
	 * @return the running harness; close it after use
	 */
	public static RedisBinderHarness start(String... args) {
		return startOn(RedisTestSupport.redisUrl(), args);
	}

	/**
	 * Starts the application against the given Redis.
	 * @param redisUrl the value of {@code spring.data.redis.url}
	 * @param args further command line arguments
	 * @return the running harness; close it after use
	 */
	public static RedisBinderHarness startOn(String redisUrl, String... args) {
		List<String> arguments = new ArrayList<>(List.of(args));
		arguments.add(0, "--spring.data.redis.url=" + redisUrl);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(HarnessApplication.class)
			.web(WebApplicationType.NONE)
			// default properties: overridden by any argument
			.properties("spring.cloud.stream.redis.default.consumer.block-timeout=150ms",
					"spring.main.banner-mode=off")
			.run(arguments.toArray(String[]::new));
		try {
			return new RedisBinderHarness(context);
		}
		catch (RuntimeException ex) {
			context.close();
			throw ex;
		}
	}

	public ConfigurableApplicationContext context() {
		return this.context;
	}

	public RedisStreamMessageChannelBinder binder() {
		return this.binder;
	}

	/**
	 * The application's registry of running consumer bindings.
	 * @return the registry
	 */
	public RedisStreamBindingRegistry bindingRegistry() {
		return this.context.getBean(RedisStreamBindingRegistry.class);
	}

	/**
	 * Consumer properties of a binding as the core builds them: the binder's extended properties for the
	 * binding (with the {@code spring.cloud.stream.redis.default.consumer.*} defaults, validated) and
	 * the binding name.
	 * @param bindingName e.g. {@code input-0}
	 * @return properties to adjust before binding
	 */
	public ExtendedConsumerProperties<RedisConsumerProperties> consumerProperties(String bindingName) {
		ExtendedConsumerProperties<RedisConsumerProperties> properties = new ExtendedConsumerProperties<>(
				this.binder.getExtendedConsumerProperties(bindingName));
		properties.populateBindingName(bindingName);
		return properties;
	}

	/**
	 * Producer properties of a binding as the core builds them.
	 * @param bindingName e.g. {@code output-0}
	 * @return properties to adjust before binding
	 */
	public ExtendedProducerProperties<RedisProducerProperties> producerProperties(String bindingName) {
		ExtendedProducerProperties<RedisProducerProperties> properties = new ExtendedProducerProperties<>(
				this.binder.getExtendedProducerProperties(bindingName));
		properties.populateBindingName(bindingName);
		return properties;
	}

	/**
	 * Binds a new channel as a consumer.
	 * @param destination the destination
	 * @param group the group, or null for an anonymous binding
	 * @param properties from {@link #consumerProperties(String)}
	 * @return the channel the binder delivers to; subscribe to it (before or after binding)
	 */
	public BoundChannel bindConsumer(String destination, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		String bindingName = properties.getBindingName();
		BindingProperties bindingProperties = registerBinding(bindingName, destination);
		bindingProperties.setGroup(group);
		bindingProperties.setConsumer(properties);
		DirectChannel channel = channel(bindingName);
		this.context.getBean(MessageConverterConfigurer.class).configureInputChannel(channel, bindingName);
		return new BoundChannel(channel, bindConsumer(destination, group, channel, properties));
	}

	/**
	 * Binds the given channel as a consumer.
	 * @param destination the destination
	 * @param group the group, or null for an anonymous binding
	 * @param channel the channel the binder delivers to
	 * @param properties from {@link #consumerProperties(String)}
	 * @return the binding; unbind it with {@link #unbind(Binding)}
	 */
	public Binding<MessageChannel> bindConsumer(String destination, String group, SubscribableChannel channel,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		Binding<MessageChannel> binding = this.binder.bindConsumer(destination, group, channel, properties);
		this.bindings.add(binding);
		return binding;
	}

	/**
	 * Binds a new channel as a producer.
	 * @param destination the destination
	 * @param properties from {@link #producerProperties(String)}
	 * @return the channel to send to
	 */
	public BoundChannel bindProducer(String destination, ExtendedProducerProperties<RedisProducerProperties> properties) {
		String bindingName = properties.getBindingName();
		registerBinding(bindingName, destination).setProducer(properties);
		DirectChannel channel = channel(bindingName);
		// as for a bound function: content-type conversion and partitioning happen on the channel
		this.context.getBean(MessageConverterConfigurer.class).configureOutputChannel(channel, bindingName);
		Binding<MessageChannel> binding = this.binder.bindProducer(destination, channel, properties);
		this.bindings.add(binding);
		return new BoundChannel(channel, binding);
	}

	/**
	 * Binds a pollable source as a consumer, created and configured as the core does for
	 * {@code spring.cloud.stream.pollable-source} (content type of the binding).
	 * @param destination the destination
	 * @param group the group, or null for an anonymous binding
	 * @param properties from {@link #consumerProperties(String)}
	 * @return the source to poll and its binding
	 */
	public PolledSource bindPollableConsumer(String destination, String group,
			ExtendedConsumerProperties<RedisConsumerProperties> properties) {
		String bindingName = properties.getBindingName();
		BindingProperties bindingProperties = registerBinding(bindingName, destination);
		bindingProperties.setGroup(group);
		bindingProperties.setConsumer(properties);
		DefaultPollableMessageSource source = (DefaultPollableMessageSource) this.context
			.getBean(MessageSourceBindingTargetFactory.class)
			.createInput(bindingName);
		Binding<PollableSource<MessageHandler>> binding = this.binder.bindPollableConsumer(destination, group, source,
				properties);
		this.bindings.add(binding);
		return new PolledSource(source, binding);
	}

	/**
	 * Unbinds a binding made here (once; {@link #close()} skips it then).
	 * @param binding the binding
	 */
	public void unbind(Binding<?> binding) {
		if (this.bindings.remove(binding)) {
			binding.unbind();
		}
	}

	/**
	 * Unbinds what is still bound and closes the application.
	 */
	@Override
	public void close() {
		try {
			for (Binding<?> binding : List.copyOf(this.bindings)) {
				unbind(binding);
			}
		}
		finally {
			this.context.close();
		}
	}

	/**
	 * Makes the binding known to the core's binding service properties, where the channel
	 * configuration (content type, partitioning) and the binder look it up.
	 */
	private BindingProperties registerBinding(String bindingName, String destination) {
		BindingServiceProperties serviceProperties = this.context.getBean(BindingServiceProperties.class);
		BindingProperties bindingProperties = new BindingProperties();
		bindingProperties.setDestination(destination);
		synchronized (serviceProperties) {
			serviceProperties.getBindings().put(bindingName, bindingProperties);
		}
		return bindingProperties;
	}

	private static DirectChannel channel(String name) {
		DirectChannel channel = new DirectChannel();
		channel.setBeanName(name);
		return channel;
	}

	/**
	 * A channel and its binding.
	 *
	 * @param channel the bound channel
	 * @param binding its binding
	 */
	public record BoundChannel(DirectChannel channel, Binding<MessageChannel> binding) {

	}

	/**
	 * A pollable source and its binding.
	 *
	 * @param source the source to poll
	 * @param binding its binding
	 */
	public record PolledSource(DefaultPollableMessageSource source, Binding<PollableSource<MessageHandler>> binding) {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class HarnessApplication {

	}

}
