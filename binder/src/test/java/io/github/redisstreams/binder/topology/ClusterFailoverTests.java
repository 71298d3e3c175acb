package io.github.redisstreams.binder.topology;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder on a Redis Cluster of three masters with one replica each, with Spring Boot's default connection
 * settings, while one application produces keyed orders ({@code sync}) and consumes them: the master owning the
 * stream's slot is failed over, killed, or loses the slot to another master. The binder keeps producing and
 * consuming, its blocking reads move to the slot's new owner, and no order is lost that a surviving copy of the
 * stream acknowledged. The only orders a failover may lose are those the killed master acknowledged and had not
 * yet replicated: counted apart, and none at all when the master hands over in agreement or the slot moves.
 */
class ClusterFailoverTests {

	/** Orders that must arrive after the fault, all acknowledged by the new owner. */
	private static final int AFTER_FAULT = 300;

	private static final Duration RECOVERY = Duration.ofSeconds(45);

	private ReplicatedRedisCluster cluster;

	private final String stream = RedisTestSupport.uniqueName("failover-orders");

	private final int slot = SlotHash.getSlot(this.stream);

	@BeforeEach
	void startCluster() throws Exception {
		this.cluster = ReplicatedRedisCluster.start();
	}

	@AfterEach
	void stopCluster() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void replicaTakesOverWithItsMastersAgreement() throws Exception {
		Outcome outcome = underTraffic("CLUSTER FAILOVER", (owner) -> {
			int replica = this.cluster.replicaOf(owner);
			this.cluster.manualFailover(replica);
			return replica;
		});
		assertThat(outcome.lost).as("orders acknowledged and lost").isEmpty();
	}

	@Test
	void masterOwningTheStreamIsKilled() throws Exception {
		Outcome outcome = underTraffic("SIGKILL of the master", (owner) -> {
			int replica = this.cluster.replicaOf(owner);
			this.cluster.kill(owner);
			return replica;
		});
		// asynchronous replication: the killed master may have acknowledged orders its replica never received,
		// all of them in the last moments before it died
		assertThat(outcome.lost).as("orders acknowledged before the kill and not replicated")
			.isSubsetOf(outcome.acknowledgedBeforeFault);
	}

	@Test
	void slotOfTheStreamMovesToAnotherMaster() throws Exception {
		Outcome outcome = underTraffic("slot moved", (owner) -> {
			int target = this.cluster.otherMaster(owner);
			assertThat(this.cluster.moveSlot(this.slot, target)).as("keys moved with the slot").isPositive();
			return target;
		});
		assertThat(outcome.lost).as("orders acknowledged and lost").isEmpty();
	}

	/**
	 * Runs the application under traffic, applies the fault to the master owning the stream's slot, and checks
	 * that traffic goes on at the new owner and that every order stored was consumed.
	 */
	private Outcome underTraffic(String name, Fault fault) throws Exception {
		try (ConfigurableApplicationContext app = startApplication(); OrderTraffic traffic = OrderTraffic.start(app)) {
			await("traffic before the fault").atMost(RECOVERY).until(() -> traffic.deliveredAfter(0) >= 200);
			int owner = this.cluster.masterOf(this.slot);
			await("blocking read on the owner").atMost(RECOVERY).until(() -> this.cluster.streamReaders(owner) > 0);

			long faultAt = System.nanoTime();
			int newOwner = fault.apply(owner);
			long sequenceAtFault = traffic.lastSequence();
			await("orders sent after the fault consumed").atMost(RECOVERY)
				.until(() -> traffic.deliveredAfter(sequenceAtFault) >= AFTER_FAULT);
			long recoveryMillis = (System.nanoTime() - faultAt) / 1_000_000;
			assertThat(this.cluster.masterOf(this.slot)).as("new owner of the slot").isEqualTo(newOwner);
			await("blocking read moved to the new owner").atMost(RECOVERY)
				.until(() -> this.cluster.streamReaders(newOwner) > 0);
			traffic.stop();

			// read on the owner itself: the checks use no cluster client that would need a topology refresh
			Set<String> stored = storedOrders(newOwner);
			await("every stored order consumed").atMost(RECOVERY)
				.until(() -> traffic.delivered().containsAll(stored) && pending(newOwner) == 0);
			Set<String> lost = new TreeSet<>(traffic.acknowledged());
			lost.removeAll(stored);
			Set<String> failedButStored = new TreeSet<>(traffic.failed());
			failedButStored.retainAll(stored);
			Set<String> acknowledgedBeforeFault = new HashSet<>(traffic.acknowledged());
			acknowledgedBeforeFault.removeAll(traffic.acknowledgedSince(faultAt));
			System.out.printf("failover (%s) %s: acknowledged=%d failed=%d (stored anyway=%d) lost=%s redelivered=%d "
					+ "key-order-inversions=%d recovery=%dms%n", name, this.stream, traffic.acknowledged().size(),
					traffic.failed().size(), failedButStored.size(), OrderTraffic.summary(lost), traffic.redeliveries(),
					traffic.keyOrderInversions(), recoveryMillis);
			assertThat(traffic.delivered()).as("consumed orders were all stored").isSubsetOf(stored);
			return new Outcome(lost, acknowledgedBeforeFault);
		}
	}

	private Set<String> storedOrders(int owner) {
		Set<String> stored = new HashSet<>();
		List<StreamMessage<String, String>> entries = this.cluster.node(owner).xrange(this.stream, Range.create("-", "+"));
		for (StreamMessage<String, String> entry : entries) {
			stored.add(OrderTraffic.orderIdOf(entry.getBody().get("payload")));
		}
		return stored;
	}

	private long pending(int owner) {
		return this.cluster.node(owner).xpending(this.stream, "failover").getCount();
	}

	private ConfigurableApplicationContext startApplication() {
		// Spring Boot's default connection settings: no spring.data.redis.timeout, no lettuce.cluster.refresh.*
		return new SpringApplicationBuilder(OrderTestApp.class).web(WebApplicationType.NONE)
			.run("--spring.data.redis.cluster.nodes=" + this.cluster.nodes(),
					"--spring.cloud.function.definition=handleOrder",
					"--spring.cloud.stream.output-bindings=" + OrderTraffic.BINDING,
					"--spring.cloud.stream.bindings." + OrderTraffic.BINDING + ".destination=" + this.stream,
					"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.sync=true",
					"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.send-timeout=2s",
					"--spring.cloud.stream.bindings.handleOrder-in-0.destination=" + this.stream,
					"--spring.cloud.stream.bindings.handleOrder-in-0.group=failover",
					"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
					"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=2s");
	}

	@FunctionalInterface
	private interface Fault {

		/**
		 * @param owner the port of the master owning the stream's slot
		 * @return the port of the master expected to own it afterwards
		 */
		int apply(int owner) throws Exception;

	}

	private record Outcome(Set<String> lost, Set<String> acknowledgedBeforeFault) {
	}

}
