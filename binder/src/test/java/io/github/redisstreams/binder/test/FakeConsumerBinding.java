package io.github.redisstreams.binder.test;

import java.util.List;

import io.github.redisstreams.binder.metrics.ConsumerBindingView;

/**
 * A consumer binding as operations tooling sees it, for tests of code that only reads
 * {@link ConsumerBindingView}: {@code FakeConsumerBinding.on("orders")} is a running binding
 * {@code test-in-0} of group {@code g} with one live consumer {@code c1} and no dead-letter stream; the
 * {@code with...} methods return a copy that differs in one value.
 */
public final class FakeConsumerBinding implements ConsumerBindingView {

	private final String bindingName;

	private final String stream;

	private final String group;

	private final boolean anonymous;

	private final List<String> consumerNames;

	private final String deadLetterStream;

	private final boolean running;

	private final boolean paused;

	private final int liveConsumers;

	private final int consumersInOutage;

	private FakeConsumerBinding(String bindingName, String stream, String group, boolean anonymous,
			List<String> consumerNames, String deadLetterStream, boolean running, boolean paused, int liveConsumers,
			int consumersInOutage) {
		this.bindingName = bindingName;
		this.stream = stream;
		this.group = group;
		this.anonymous = anonymous;
		this.consumerNames = consumerNames;
		this.deadLetterStream = deadLetterStream;
		this.running = running;
		this.paused = paused;
		this.liveConsumers = liveConsumers;
		this.consumersInOutage = consumersInOutage;
	}

	/**
	 * A running binding {@code test-in-0} of group {@code g} on a stream.
	 * @param stream the stream key
	 * @return the binding
	 */
	public static FakeConsumerBinding on(String stream) {
		return new FakeConsumerBinding("test-in-0", stream, "g", false, List.of("c1"), null, true, false, 1, 0);
	}

	public FakeConsumerBinding withBindingName(String bindingName) {
		return new FakeConsumerBinding(bindingName, this.stream, this.group, this.anonymous, this.consumerNames,
				this.deadLetterStream, this.running, this.paused, this.liveConsumers, this.consumersInOutage);
	}

	public FakeConsumerBinding withGroup(String group) {
		return new FakeConsumerBinding(this.bindingName, this.stream, group, this.anonymous, this.consumerNames,
				this.deadLetterStream, this.running, this.paused, this.liveConsumers, this.consumersInOutage);
	}

	public FakeConsumerBinding withAnonymous(boolean anonymous) {
		return new FakeConsumerBinding(this.bindingName, this.stream, this.group, anonymous, this.consumerNames,
				this.deadLetterStream, this.running, this.paused, this.liveConsumers, this.consumersInOutage);
	}

	public FakeConsumerBinding withConsumerNames(String... consumerNames) {
		return new FakeConsumerBinding(this.bindingName, this.stream, this.group, this.anonymous,
				List.of(consumerNames), this.deadLetterStream, this.running, this.paused, this.liveConsumers,
				this.consumersInOutage);
	}

	public FakeConsumerBinding withDeadLetterStream(String deadLetterStream) {
		return new FakeConsumerBinding(this.bindingName, this.stream, this.group, this.anonymous, this.consumerNames,
				deadLetterStream, this.running, this.paused, this.liveConsumers, this.consumersInOutage);
	}

	public FakeConsumerBinding withRunning(boolean running) {
		return new FakeConsumerBinding(this.bindingName, this.stream, this.group, this.anonymous, this.consumerNames,
				this.deadLetterStream, running, this.paused, this.liveConsumers, this.consumersInOutage);
	}

	public FakeConsumerBinding withPaused(boolean paused) {
		return new FakeConsumerBinding(this.bindingName, this.stream, this.group, this.anonymous, this.consumerNames,
				this.deadLetterStream, this.running, paused, this.liveConsumers, this.consumersInOutage);
	}

	/**
	 * @param liveConsumers how many reading loops run
	 * @param consumersInOutage how many of them cannot reach Redis
	 * @return a copy with these counts
	 */
	public FakeConsumerBinding withConsumers(int liveConsumers, int consumersInOutage) {
		return new FakeConsumerBinding(this.bindingName, this.stream, this.group, this.anonymous, this.consumerNames,
				this.deadLetterStream, this.running, this.paused, liveConsumers, consumersInOutage);
	}

	@Override
	public String bindingName() {
		return this.bindingName;
	}

	@Override
	public String stream() {
		return this.stream;
	}

	@Override
	public String group() {
		return this.group;
	}

	@Override
	public boolean anonymous() {
		return this.anonymous;
	}

	@Override
	public List<String> consumerNames() {
		return this.consumerNames;
	}

	@Override
	public String deadLetterStream() {
		return this.deadLetterStream;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public boolean isPaused() {
		return this.paused;
	}

	@Override
	public int liveConsumers() {
		return this.liveConsumers;
	}

	@Override
	public int consumersInOutage() {
		return this.consumersInOutage;
	}

	@Override
	public String toString() {
		return "FakeConsumerBinding[" + this.bindingName + " on " + this.stream + ", group " + this.group + "]";
	}

}
