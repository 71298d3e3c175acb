package io.github.redisstreams.binder.connection;

import java.util.BitSet;
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
 * slot: on each topology change Lettuce reports, the reads under way on a slot taken over from a failed node are
 * given up, and their loops read again from the new owner.
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
		BitSet moved = movedSlots(event.before(), event.after());
		if (moved.isEmpty()) {
			return;
		}
		int cancelled = 0;
		for (StreamCommands reader : this.readers) {
			if (reader.cancelReadOn(moved::get)) {
				cancelled++;
			}
		}
		if (cancelled > 0) {
			logger.info("Redis Cluster slots changed owner (" + moved.cardinality() + " slots of a failed node): "
					+ cancelled + " blocking read(s) sent to the former owner given up, to be sent again to the new one");
		}
	}

	/**
	 * The slots whose master changed and whose former master is gone (absent, failed, or unreachable): a read sent
	 * to a live former master (a manual failover, a moved slot) returns by itself, and giving it up would only
	 * delay the entries it fetched.
	 */
	static BitSet movedSlots(List<RedisClusterNode> before, List<RedisClusterNode> after) {
		String[] ownerBefore = owners(before);
		String[] ownerAfter = owners(after);
		Set<String> alive = new HashSet<>();
		for (RedisClusterNode node : after) {
			if (node.isConnected() && !node.is(RedisClusterNode.NodeFlag.FAIL)
					&& !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)) {
				alive.add(node.getNodeId());
			}
		}
		BitSet moved = new BitSet(SlotHash.SLOT_COUNT);
		for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
			if (ownerBefore[slot] != null && !Objects.equals(ownerBefore[slot], ownerAfter[slot])
					&& !alive.contains(ownerBefore[slot])) {
				moved.set(slot);
			}
		}
		return moved;
	}

	private static String[] owners(List<RedisClusterNode> nodes) {
		String[] owners = new String[SlotHash.SLOT_COUNT];
		for (RedisClusterNode node : nodes) {
			for (int slot : node.getSlots()) {
				owners[slot] = node.getNodeId();
			}
		}
		return owners;
	}

	@Override
	public void close() {
		this.subscription.dispose();
		this.readers.clear();
	}

}
