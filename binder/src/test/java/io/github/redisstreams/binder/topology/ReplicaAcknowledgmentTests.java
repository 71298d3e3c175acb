package io.github.redisstreams.binder.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.protocol.CommandType;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.binder.ExtendedProducerProperties;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.integration.channel.PublishSubscribeChannel;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageDeliveryException;
import org.springframework.messaging.support.ErrorMessage;
import org.springframework.messaging.support.MessageBuilder;

import io.github.redisstreams.binder.outbound.ReplicaAcknowledgment.ReplicasDidNotConfirmException;
import io.github.redisstreams.binder.properties.RedisProducerProperties;
import io.github.redisstreams.binder.test.Order;
import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisBinderHarness;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code wait-for-replicas}: a send counts only once the replica has the entry; when the replica is gone, the send
 * fails visibly (sync) or is reported (async), never silently.
 */
class ReplicaAcknowledgmentTests {

	private SentinelGroup redis;

	private final String stream = RedisTestSupport.uniqueName("replicated-orders");

	@BeforeEach
	void startMasterAndReplica() throws Exception {
		this.redis = SentinelGroup.start();
	}

	@AfterEach
	void stop() {
		this.redis.close();
	}

	@Test
	void aSyncSendReturnsOnlyOnceTheReplicaHasTheEntry() {
		try (ConfigurableApplicationContext app = producer(true)) {
			StreamBridge bridge = app.getBean(StreamBridge.class);
			for (int i = 1; i <= 100; i++) {
				bridge.send(OrderTraffic.BINDING, new Order("o-" + i, 1));
				assertThat(this.redis.node(this.redis.replicaPort()).xlen(this.stream)).as("entries on the replica")
					.isEqualTo(i);
			}
		}
	}

	@Test
	void aSyncSendFailsWhenNoReplicaConfirms() throws Exception {
		try (ConfigurableApplicationContext app = producer(true)) {
			StreamBridge bridge = app.getBean(StreamBridge.class);
			bridge.send(OrderTraffic.BINDING, new Order("before", 1));
			this.redis.kill(this.redis.replicaPort());
			long started = System.nanoTime();
			assertThatThrownBy(() -> bridge.send(OrderTraffic.BINDING, new Order("unconfirmed", 1)))
				.isInstanceOf(MessageDeliveryException.class)
				.hasRootCauseInstanceOf(ReplicasDidNotConfirmException.class)
				.rootCause()
				.hasMessageContaining("only 0 of the 1 replicas required by wait-for-replicas");
			assertThat(Duration.ofNanos(System.nanoTime() - started)).as("failed after wait-timeout, before send-timeout")
				.isBetween(Duration.ofMillis(400), Duration.ofSeconds(3));
			// the master stored it: the failure says it may be lost, not that it was not written
			assertThat(this.redis.node(this.redis.masterPort()).xlen(this.stream)).isEqualTo(2);
		}
	}

	@Test
	void anAsyncSendThatNoReplicaConfirmsGoesToTheErrorChannel() throws Exception {
		try (ConfigurableApplicationContext app = producer(false)) {
			List<Throwable> errors = new CopyOnWriteArrayList<>();
			app.getBean("errorChannel", PublishSubscribeChannel.class)
				.subscribe((message) -> errors.add(((ErrorMessage) message).getPayload()));
			this.redis.kill(this.redis.replicaPort());
			app.getBean(StreamBridge.class).send(OrderTraffic.BINDING, new Order("unconfirmed", 1));
			await().atMost(Duration.ofSeconds(10)).until(() -> !errors.isEmpty());
			assertThat(errors.get(0)).isInstanceOf(MessageDeliveryException.class)
				.hasRootCauseInstanceOf(ReplicasDidNotConfirmException.class);
		}
	}

	/**
	 * The ACL rules of docs/security.md: a producer without retention needs {@code +ping +xadd}, and {@code +wait}
	 * with wait-for-replicas.
	 */
	@Test
	void aProducerWithTheDocumentedRulesWaitsAndOneWithoutWaitIsRefused() {
		this.redis.node(this.redis.masterPort())
			.aclSetuser("waiting-producer", AclSetuserArgs.Builder.on().addPassword("secret")
				.keyPattern(this.stream).addCommand(CommandType.PING)
				.addCommand(CommandType.XADD).addCommand(CommandType.WAIT));
		try (RedisBinderHarness app = RedisBinderHarness
			.startOn("redis://waiting-producer:secret@127.0.0.1:" + this.redis.masterPort())) {
			ExtendedProducerProperties<RedisProducerProperties> properties = app.producerProperties("output-0");
			properties.getExtension().setSync(true);
			properties.getExtension().setWaitForReplicas(1);
			MessageChannel orders = app.bindProducer(this.stream, properties).channel();
			orders.send(MessageBuilder.withPayload(new Order("o-1", 1)).build());
			assertThat(this.redis.node(this.redis.replicaPort()).xlen(this.stream)).isOne();

			this.redis.node(this.redis.masterPort()).aclSetuser("waiting-producer",
					AclSetuserArgs.Builder.removeCommand(CommandType.WAIT));
			// the XADD was stored: the failed WAIT says so, rather than "not written"
			assertThatThrownBy(() -> orders.send(MessageBuilder.withPayload(new Order("o-2", 1)).build()))
				.isInstanceOf(MessageDeliveryException.class)
				.hasCauseInstanceOf(ReplicasDidNotConfirmException.class)
				.hasMessageContaining("may have been stored")
				.rootCause()
				.hasMessageContaining("NOPERM")
				.hasMessageContaining("wait");
			assertThat(this.redis.node(this.redis.masterPort()).xlen(this.stream)).isEqualTo(2);
		}
	}

	/**
	 * A WAIT held by a lost replica blocks only its own binding's connection: another producer of the binder (and
	 * with it the acknowledgements and leases of the shared connection) writes at once.
	 */
	@Test
	void aBlockedWaitHoldsUpNoOtherBinding() throws Exception {
		try (RedisBinderHarness app = RedisBinderHarness.startOn("redis://127.0.0.1:" + this.redis.masterPort())) {
			ExtendedProducerProperties<RedisProducerProperties> waiting = app.producerProperties("waiting-0");
			waiting.getExtension().setWaitForReplicas(1);
			waiting.getExtension().setWaitTimeout(Duration.ofSeconds(3));
			waiting.getExtension().setSendTimeout(Duration.ofSeconds(5));
			MessageChannel waitingOrders = app.bindProducer(this.stream, waiting).channel();
			ExtendedProducerProperties<RedisProducerProperties> plain = app.producerProperties("plain-0");
			plain.getExtension().setSync(true);
			MessageChannel plainOrders = app.bindProducer(this.stream + "-plain", plain).channel();
			this.redis.kill(this.redis.replicaPort());
			// async: returns once its XADD and WAIT are sent; the WAIT now blocks for wait-timeout
			waitingOrders.send(MessageBuilder.withPayload(new Order("unconfirmed", 1)).build());
			long started = System.nanoTime();
			plainOrders.send(MessageBuilder.withPayload(new Order("plain", 1)).build());
			assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a write of another binding")
				.isLessThan(Duration.ofMillis(1500));
		}
	}

	@Test
	void aWaitTimeoutTheCommandTimeoutWouldCutShortIsRefused() {
		String prefix = "spring.cloud.stream.redis.bindings.output-0.producer.";
		try (RedisBinderHarness app = RedisBinderHarness.startOn("redis://127.0.0.1:" + this.redis.masterPort(),
				"--spring.data.redis.timeout=1s", "--" + prefix + "wait-for-replicas=1", "--" + prefix + "wait-timeout=2s",
				"--" + prefix + "send-timeout=5s")) {
			assertThatThrownBy(() -> app.producerProperties("output-0")).hasMessageContaining(prefix + "wait-timeout")
				.hasMessageContaining("spring.data.redis.timeout");
		}
	}

	@Test
	void aWaitLongerThanTheSendTimeoutIsRefusedAtStartup() {
		// the binding output-bindings declares is bound at startup
		assertThatThrownBy(() -> start(true, "20s").close())
			.hasStackTraceContaining("spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.wait-timeout")
			.hasStackTraceContaining("must be shorter than send-timeout");
	}

	private ConfigurableApplicationContext producer(boolean sync) {
		return start(sync, "500ms");
	}

	private ConfigurableApplicationContext start(boolean sync, String waitTimeout) {
		List<String> args = new ArrayList<>(List.of(
				"--spring.data.redis.url=redis://127.0.0.1:" + this.redis.masterPort(),
				"--spring.cloud.function.definition=handleOrder",
				"--spring.cloud.stream.output-bindings=" + OrderTraffic.BINDING,
				"--spring.cloud.stream.bindings." + OrderTraffic.BINDING + ".destination=" + this.stream,
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.sync=" + sync,
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.wait-for-replicas=1",
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.wait-timeout=" + waitTimeout,
				"--spring.cloud.stream.bindings." + OrderTraffic.BINDING + ".producer.error-channel-enabled=true",
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.send-timeout=3s",
				// the consumer of OrderTestApp reads another stream: only the producer matters here
				"--spring.cloud.stream.bindings.handleOrder-in-0.destination=" + this.stream + "-unused",
				"--spring.cloud.stream.bindings.handleOrder-in-0.group=unused"));
		return new SpringApplicationBuilder(OrderTestApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

}
