package io.github.redisstreams.binder.connection;

import java.util.concurrent.TimeUnit;

import io.lettuce.core.event.EventBus;
import io.lettuce.core.event.EventPublisherOptions;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DnsResolver;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.NettyCustomizer;
import io.lettuce.core.resource.SocketAddressResolver;
import io.lettuce.core.tracing.Tracing;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.Timer;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;

/**
 * The application's client resources seen through another {@link NettyCustomizer}: every component (event loops,
 * timer, event bus, metrics, tracing, DNS) is the application's own, and shutting these resources down does
 * nothing, since they own nothing. ({@code ClientResources.mutate()} would copy whether the application's
 * resources own their event loops, so that shutting the copy down could shut the application's down.)
 */
final class SharedClientResources implements ClientResources {

	private final ClientResources shared;

	private final NettyCustomizer customizer;

	SharedClientResources(ClientResources shared, NettyCustomizer customizer) {
		this.shared = shared;
		this.customizer = customizer;
	}

	@Override
	public NettyCustomizer nettyCustomizer() {
		return this.customizer;
	}

	@Override
	public Future<Boolean> shutdown() {
		return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
	}

	@Override
	public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
		return shutdown();
	}

	@Override
	public Builder mutate() {
		return this.shared.mutate().nettyCustomizer(this.customizer);
	}

	@Override
	public AddressResolverGroup<?> addressResolverGroup() {
		return this.shared.addressResolverGroup();
	}

	@Override
	public EventPublisherOptions commandLatencyPublisherOptions() {
		return this.shared.commandLatencyPublisherOptions();
	}

	@Override
	public CommandLatencyRecorder commandLatencyRecorder() {
		return this.shared.commandLatencyRecorder();
	}

	@Override
	public int computationThreadPoolSize() {
		return this.shared.computationThreadPoolSize();
	}

	@Override
	@SuppressWarnings("deprecation")
	public DnsResolver dnsResolver() {
		return this.shared.dnsResolver();
	}

	@Override
	public EventBus eventBus() {
		return this.shared.eventBus();
	}

	@Override
	public EventLoopGroupProvider eventLoopGroupProvider() {
		return this.shared.eventLoopGroupProvider();
	}

	@Override
	public EventExecutorGroup eventExecutorGroup() {
		return this.shared.eventExecutorGroup();
	}

	@Override
	public int ioThreadPoolSize() {
		return this.shared.ioThreadPoolSize();
	}

	@Override
	public Delay reconnectDelay() {
		return this.shared.reconnectDelay();
	}

	@Override
	public SocketAddressResolver socketAddressResolver() {
		return this.shared.socketAddressResolver();
	}

	@Override
	public Timer timer() {
		return this.shared.timer();
	}

	@Override
	public Tracing tracing() {
		return this.shared.tracing();
	}

}
