package io.github.redisstreams.binder.connection;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;

/**
 * Moves the binder's blocking reads along when a slot of a Redis Cluster changes owner (a failover, a resharded
 * slot). Lettuce routes each new command by its refreshed slot map, but a read already sent to a node that died
 * waits on that node's connection until the command timeout (60 s by default) although another node serves the
 * slot: on each topology change Lettuce reports, the reads under way that were sent to a failed node that no
 * longer serves their slot are given up, and their loops read again from the new owner. Each read records the node
 * it was routed to when it was sent, since Lettuce reports a change before it updates its own slot map.
 */
class ClusterSlotMoves implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ClusterSlotMoves.class);

	private final List<StreamCommands> readers = new CopyOnWriteArrayList<>();

	private final Disposable subscription;

	ClusterSlotMoves(RedisClusterClient client) {
		this.subscription = client.getResources()
			.eventBus()
			.get()
			.filter(ClusterTopologyChangedEvent.class::isInstance)
			.cast(ClusterTopologyChangedEvent.class)
			.subscribe(this::topologyChanged, (ex) -> logger.debug("Cluster topology events ended", ex));
	}

	void add(StreamCommands reader) {
		this.readers.add(reader);
	}

	void remove(StreamCommands reader) {
		this.readers.remove(reader);
	}

	private void topologyChanged(ClusterTopologyChangedEvent event) {
		FailedOwners failed = FailedOwners.of(event.after());
		int cancelled = 0;
		for (StreamCommands reader : this.readers) {
			if (reader.cancelReadOn(failed)) {
				cancelled++;
			}
		}
		if (cancelled > 0) {
			logger.info("Redis Cluster slots changed owner (a master failed): " + cancelled
					+ " blocking read(s) sent to the failed master given up, to be sent again to the new one");
		}
	}

	/**
	 * Which reads a topology (the view after a change) says are stuck: those sent to a node that no longer serves
	 * the read's slot and is gone or failed. A read sent to a live node (a manual failover, a moved slot, or the
	 * new owner already) returns by itself, and giving it up would only leave the entries it fetched pending. The
	 * event bus is shared with the application's client, whose events report the same change again later: by
	 * then the reads go to the new owner, and are left alone.
	 */
	static final class FailedOwners implements StreamCommands.SlotOwnerTest {

		private final String[] owners;

		private final Set<String> alive;

		private FailedOwners(String[] owners, Set<String> alive) {
			this.owners = owners;
			this.alive = alive;
		}

		static FailedOwners of(List<RedisClusterNode> after) {
			String[] owners = new String[SlotHash.SLOT_COUNT];
			Set<String> alive = new HashSet<>();
			for (RedisClusterNode node : after) {
				for (int slot : node.getSlots()) {
					owners[slot] = node.getNodeId();
				}
				if (node.isConnected() && !node.is(RedisClusterNode.NodeFlag.FAIL)
						&& !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)) {
					alive.add(node.getNodeId());
				}
			}
			return new FailedOwners(owners, alive);
		}

		@Override
		public boolean test(int slot, String nodeId) {
			return !this.alive.contains(nodeId) && !Objects.equals(this.owners[slot], nodeId);
		}

	}

	@Override
	public void close() {
		this.subscription.dispose();
		this.readers.clear();
	}

}
