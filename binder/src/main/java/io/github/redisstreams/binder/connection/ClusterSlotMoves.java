package io.github.redisstreams.binder.connection;

import java.util.BitSet;
import java.util.List;
import java.util.Objects;
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
 * slot: on each topology change Lettuce reports, the reads under way on a moved slot are given up, and their
 * loops read again from the new owner.
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
			logger.info("Redis Cluster slots changed owner (" + moved.cardinality() + " slots): " + cancelled
					+ " blocking read(s) sent to the former owner given up, to be sent again to the new one");
		}
	}

	/** The slots whose master is another node, by node id, after the change than before. */
	static BitSet movedSlots(List<RedisClusterNode> before, List<RedisClusterNode> after) {
		String[] ownerBefore = owners(before);
		String[] ownerAfter = owners(after);
		BitSet moved = new BitSet(SlotHash.SLOT_COUNT);
		for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
			if (!Objects.equals(ownerBefore[slot], ownerAfter[slot])) {
				moved.set(slot);
			}
		}
		return moved;
	}

	private static String[] owners(List<RedisClusterNode> nodes) {
		String[] owners = new String[SlotHash.SLOT_COUNT];
		for (RedisClusterNode node : nodes) {
			// a master marked failed serves nothing: its slots count as moved even before a replica takes them
			if (!node.is(RedisClusterNode.NodeFlag.FAIL)) {
				for (int slot : node.getSlots()) {
					owners[slot] = node.getNodeId();
				}
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
