package io.github.redisstreams.binder.connection;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;

/**
 * Groups the socket writes of a connection on its own event loop: Netty's {@link FlushConsolidationHandler} in
 * front of every channel of the binder's client.
 * <p>
 * Lettuce writes and flushes each command it is given, so a producer sending asynchronous {@code XADD}s costs one
 * system call per command in the client and one socket read per command in Redis. With the handler, a flush
 * requested while the event loop has more work queued (further commands from other threads, or a read in
 * progress) waits for that work and goes out once for all of it; a lone command is flushed by a task the event
 * loop runs right after the one that wrote it, or when the read in progress completes, so no write waits for
 * anything but work already queued on the event loop. After {@value #MAX_HELD_FLUSHES} held flushes it flushes
 * anyway.
 */
final class FlushConsolidation implements NettyCustomizer {

	/** The most flushes held back before one goes out regardless (Netty's default). */
	static final int MAX_HELD_FLUSHES = FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES;

	static final String HANDLER_NAME = "redisStreamsFlushConsolidation";

	private final NettyCustomizer delegate;

	private FlushConsolidation(NettyCustomizer delegate) {
		this.delegate = delegate;
	}

	/**
	 * Resources sharing everything with the given ones (event loops, timer, event bus, metrics), with flush
	 * consolidation added to every channel after whatever the given resources' own customizer does.
	 * @param shared the application's client resources
	 * @return resources for a client of the binder's own, owning nothing: the shared ones stay the application's
	 * to shut down
	 */
	static ClientResources on(ClientResources shared) {
		return new SharedClientResources(shared, new FlushConsolidation(shared.nettyCustomizer()));
	}

	/**
	 * Whether a channel carries the handler.
	 * @param channel a channel of a Lettuce connection
	 * @return true when its flushes are consolidated
	 */
	static boolean isInstalled(Channel channel) {
		return channel.pipeline().get(HANDLER_NAME) != null;
	}

	@Override
	public void afterBootstrapInitialized(Bootstrap bootstrap) {
		if (this.delegate != null) {
			this.delegate.afterBootstrapInitialized(bootstrap);
		}
	}

	@Override
	public void afterChannelInitialized(Channel channel) {
		if (this.delegate != null) {
			this.delegate.afterChannelInitialized(channel);
		}
		ChannelPipeline pipeline = channel.pipeline();
		FlushConsolidationHandler handler = new FlushConsolidationHandler(MAX_HELD_FLUSHES, true);
		ChannelHandlerContext tls = pipeline.context(SslHandler.class);
		if (tls != null) {
			// behind TLS, so that the encryption also sees one flush per group rather than one per command
			pipeline.addAfter(tls.name(), HANDLER_NAME, handler);
		}
		else {
			pipeline.addFirst(HANDLER_NAME, handler);
		}
	}

}
