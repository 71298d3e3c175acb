package io.github.redisstreams.binder.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.redisstreams.binder.test.OrderTestApp;
import io.github.redisstreams.binder.test.RedisTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder behind Sentinel ({@code spring.data.redis.sentinel.*}, a master, a replica, three sentinels) while one
 * application produces keyed orders ({@code sync}) and consumes them: the master is failed over by a sentinel or
 * killed. The binder follows the new master and keeps producing and consuming. Orders can be lost only if the old
 * master acknowledged them and did not replicate them before it stopped taking writes (it died, or became a
 * replica): every lost order must have been acknowledged before that moment.
 */
class SentinelFailoverTests {

	private static final int AFTER_FAULT = 300;

	private static final Duration RECOVERY = Duration.ofSeconds(45);

	private SentinelGroup sentinels;

	private final String stream = RedisTestSupport.uniqueName("sentinel-orders");

	@AfterEach
	void stopSentinels() {
		if (this.sentinels != null) {
			this.sentinels.close();
		}
	}

	/**
	 * Sentinel promotes the replica at once but makes the old master a replica only some seconds later (about ten
	 * with its defaults): until then the old master, alive and still master, takes the writes and reads of the
	 * clients connected to it, and loses them when it resynchronizes from the new master.
	 */
	@Test
	void sentinelFailsTheMasterOver() throws Exception {
		this.sentinels = SentinelGroup.start();
		underTraffic("SENTINEL FAILOVER", this::sentinelFailover);
	}

	/**
	 * With {@code min-replicas-to-write 1} the old master refuses writes as soon as its replica is promoted (the
	 * replica's link drops): the sends fail visibly from then on, and only a write acknowledged at that very moment,
	 * before the replica received it, can be lost.
	 */
	@Test
	void sentinelFailsTheMasterOverAndMinReplicasToWriteNarrowsTheWindow() throws Exception {
		this.sentinels = SentinelGroup.start("--min-replicas-to-write", "1", "--min-replicas-max-lag", "5");
		Outcome outcome = underTraffic("SENTINEL FAILOVER, min-replicas-to-write 1", this::sentinelFailover);
		assertThat(outcome.lostWindowMillis()).as("ms between the failover and the last lost acknowledgement")
			.isLessThan(1000);
	}

	/**
	 * With {@code wait-for-replicas: 1} a send counts only once the replica has the entry: once the replica is
	 * promoted, the old master's WAITs confirm nothing, the sends fail visibly, and no acknowledged order is lost.
	 */
	@Test
	void sentinelFailsTheMasterOverAndWaitForReplicasLosesNothing() throws Exception {
		this.sentinels = SentinelGroup.start();
		Outcome outcome = underTraffic("SENTINEL FAILOVER, wait-for-replicas 1", this::sentinelFailover,
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.wait-for-replicas=1",
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.wait-timeout=500ms");
		assertThat(outcome.lost()).as("acknowledged orders lost").isEmpty();
	}

	@Test
	void masterIsKilled() throws Exception {
		this.sentinels = SentinelGroup.start();
		underTraffic("SIGKILL of the master", (oldMaster) -> this.sentinels.kill(oldMaster));
	}

	private void sentinelFailover(int oldMaster) {
		this.sentinels.sentinelFailover();
		// the old master may take writes until a sentinel makes it a replica of the new one
		await("old master demoted").atMost(RECOVERY)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.sentinels.isReplica(oldMaster));
	}

	private Outcome underTraffic(String name, Fault fault, String... properties) throws Exception {
		try (ConfigurableApplicationContext app = startApplication(properties); OrderTraffic traffic = OrderTraffic.start(app)) {
			await("traffic before the fault").atMost(RECOVERY).until(() -> traffic.deliveredAfter(0) >= 200);
			int oldMaster = this.sentinels.masterPort();
			int newMaster = this.sentinels.replicaPort();
			assertThat(this.sentinels.streamReaders(oldMaster)).as("blocking reads on the master").isPositive();

			long faultAt = System.nanoTime();
			fault.apply(oldMaster);
			// from here on the old master acknowledges no write: it is dead or a replica
			long writesEndedAt = System.nanoTime();
			long sequenceAtFault = traffic.lastSequence();
			await("sentinels name the new master").atMost(RECOVERY)
				.ignoreExceptions()
				.until(() -> this.sentinels.currentMaster() == newMaster);
			await("orders sent after the fault consumed").atMost(RECOVERY)
				.until(() -> traffic.deliveredAfter(sequenceAtFault) >= AFTER_FAULT);
			long recoveryMillis = (System.nanoTime() - faultAt) / 1_000_000;
			await("blocking reads on the new master").atMost(RECOVERY)
				.until(() -> this.sentinels.streamReaders(newMaster) > 0);
			traffic.stop();

			Set<String> stored = storedOrders(newMaster);
			AtomicLong pending = new AtomicLong(-1);
			await("every stored order consumed").atMost(RECOVERY).until(() -> {
				pending.set(this.sentinels.node(newMaster).xpending(this.stream, "failover").getCount());
				return traffic.delivered().containsAll(stored) && pending.get() == 0;
			});
			Set<String> lost = new TreeSet<>(traffic.acknowledged());
			lost.removeAll(stored);
			Set<String> acknowledgedBeforeWritesEnded = new HashSet<>(traffic.acknowledged());
			acknowledgedBeforeWritesEnded.removeAll(traffic.acknowledgedSince(writesEndedAt));
			Set<String> failedButStored = new TreeSet<>(traffic.failed());
			failedButStored.retainAll(stored);
			Set<String> consumedButGone = new TreeSet<>(traffic.delivered());
			consumedButGone.removeAll(stored);
			System.out.printf("sentinel failover (%s) %s: acknowledged=%d failed=%d (stored anyway=%d) lost=%s "
					+ "(acknowledged up to %dms after the fault) consumed-then-lost=%d redelivered=%d "
					+ "key-order-inversions=%d recovery=%dms%n", name, this.stream, traffic.acknowledged().size(),
					traffic.failed().size(), failedButStored.size(), OrderTraffic.summary(lost),
					lost.isEmpty() ? 0 : (traffic.lastAcknowledgement(lost) - faultAt) / 1_000_000,
					consumedButGone.size(), traffic.redeliveries(),
					traffic.keyOrderInversions(), recoveryMillis);
			assertThat(lost).as("lost orders: only writes the old master acknowledged before it stopped taking writes")
				.isSubsetOf(acknowledgedBeforeWritesEnded);
			// what was consumed and is no longer in the stream was read from the old master before it was demoted:
			// orders whose sends were acknowledged (lost) or failed visibly
			Set<String> lostOrFailed = new TreeSet<>(lost);
			lostOrFailed.addAll(traffic.failed());
			assertThat(consumedButGone).as("consumed orders no longer stored").isSubsetOf(lostOrFailed);
			return new Outcome(lost, lost.isEmpty() ? 0 : (traffic.lastAcknowledgement(lost) - faultAt) / 1_000_000);
		}
	}

	private Set<String> storedOrders(int master) {
		Set<String> stored = new HashSet<>();
		for (StreamMessage<String, String> entry : this.sentinels.node(master).xrange(this.stream, Range.create("-", "+"))) {
			stored.add(OrderTraffic.orderIdOf(entry.getBody().get("payload")));
		}
		return stored;
	}

	private ConfigurableApplicationContext startApplication(String... properties) {
		// Spring Boot's default connection settings apart from Sentinel
		List<String> args = new ArrayList<>(List.of("--spring.data.redis.sentinel.master=" + SentinelGroup.MASTER_NAME,
				"--spring.data.redis.sentinel.nodes=" + this.sentinels.sentinelNodes(),
				"--spring.cloud.function.definition=handleOrder",
				"--spring.cloud.stream.output-bindings=" + OrderTraffic.BINDING,
				"--spring.cloud.stream.bindings." + OrderTraffic.BINDING + ".destination=" + this.stream,
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.sync=true",
				"--spring.cloud.stream.redis.bindings." + OrderTraffic.BINDING + ".producer.send-timeout=2s",
				"--spring.cloud.stream.bindings.handleOrder-in-0.destination=" + this.stream,
				"--spring.cloud.stream.bindings.handleOrder-in-0.group=failover",
				"--spring.cloud.stream.redis.default.consumer.block-timeout=100ms",
				"--spring.cloud.stream.redis.bindings.handleOrder-in-0.consumer.claim-idle-time=2s"));
		args.addAll(List.of(properties));
		return new SpringApplicationBuilder(OrderTestApp.class).web(WebApplicationType.NONE)
			.run(args.toArray(String[]::new));
	}

	/**
	 * @param lost the orders acknowledged and lost
	 * @param lostWindowMillis from the fault to the acknowledgement of the last lost order (0 when none was lost)
	 */
	private record Outcome(Set<String> lost, long lostWindowMillis) {
	}

	@FunctionalInterface
	private interface Fault {

		void apply(int master) throws Exception;

	}

}
