package io.github.redisstreams.checker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import io.lettuce.core.RedisException;

/**
 * The checker's producer: writes the scenario's messages to the application's stream ({@code in}) with
 * {@code XADD in * payload <json> cid <id>}, paced over the sending window, and records a message as sent only when Redis
 * confirmed its {@code XADD}, with the entry id and the Redis epoch of the confirmation. A send that fails
 * or times out is not retried (another id follows): its id is not counted as sent.
 * <p>
 * The epoch is incremented by each restart of an empty Redis, which happens under {@link #exclusive}: no
 * send straddles a restart, so every confirmed send belongs to exactly one epoch.
 */
final class Producer implements AutoCloseable {

	private final RedisAccess redis;

	private final Scenario.App app;

	private final List<Planned> plan;

	private final ReentrantLock sendLock = new ReentrantLock();

	private final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());

	private final List<String> unconfirmed = Collections.synchronizedList(new ArrayList<>());

	private volatile int epoch;

	private volatile boolean stopped;

	Producer(int port, Scenario.App app, List<Planned> plan) {
		this.redis = new RedisAccess(port, "producer");
		this.app = app;
		this.plan = plan;
	}

	/**
	 * The messages of a scenario: ids {@code m-0 ... m-<n-1>}, the special ones at random positions in the
	 * first 70 % (after the first 10 %), so that they are handled while the faults happen.
	 */
	static List<Planned> plan(int messages, Map<String, Integer> specials, Random random) {
		List<String> kinds = new ArrayList<>(Collections.nCopies(messages, "normal"));
		int from = messages / 10;
		int span = Math.max(1, (messages * 7) / 10 - from);
		for (Map.Entry<String, Integer> special : specials.entrySet()) {
			for (int i = 0; i < special.getValue(); i++) {
				int position;
				do {
					position = from + random.nextInt(span);
				}
				while (!"normal".equals(kinds.get(position)));
				kinds.set(position, special.getKey());
			}
		}
		List<Planned> plan = new ArrayList<>(messages);
		for (int i = 0; i < messages; i++) {
			plan.add(new Planned("m-" + i, kinds.get(i)));
		}
		return plan;
	}

	/**
	 * Sends every message of the plan, spread evenly over the window (zero: as fast as confirmed).
	 */
	void sendAll(Duration window) {
		long start = System.nanoTime();
		long intervalNanos = window.toNanos() / Math.max(1, this.plan.size());
		for (int i = 0; i < this.plan.size() && !this.stopped; i++) {
			long due = start + i * intervalNanos;
			long wait = due - System.nanoTime();
			if (wait > 0) {
				// pacing the load, not waiting for an outcome
				LockSupport.parkNanos(wait);
			}
			send(this.plan.get(i));
		}
	}

	private void send(Planned message) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("payload", message.payload(this.app));
		fields.put("cid", message.id());
		this.sendLock.lock();
		try {
			String entryId = this.redis.sync().xadd(this.app.stream, fields);
			this.sent.add(new Sent(message.id(), message.kind(), entryId, this.epoch));
		}
		catch (RedisException ex) {
			this.unconfirmed.add(message.id() + " (" + ex.getClass().getSimpleName() + ": " + ex.getMessage() + ")");
		}
		finally {
			this.sendLock.unlock();
		}
	}

	/**
	 * Runs an action while no send is under way (an empty Redis restart), and starts a new epoch after it.
	 */
	void exclusive(Runnable restart) {
		this.sendLock.lock();
		try {
			restart.run();
			this.epoch++;
		}
		finally {
			this.sendLock.unlock();
		}
	}

	int epoch() {
		return this.epoch;
	}

	List<Sent> sent() {
		synchronized (this.sent) {
			return List.copyOf(this.sent);
		}
	}

	List<String> unconfirmed() {
		synchronized (this.unconfirmed) {
			return List.copyOf(this.unconfirmed);
		}
	}

	void stop() {
		this.stopped = true;
	}

	@Override
	public void close() {
		this.redis.close();
	}

	static long parkMillis(long millis) {
		LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
		return millis;
	}

	/** A message of the plan. */
	record Planned(String id, String kind) {

		/**
		 * The payload: {@code {"id":"m-17","kind":"normal"}} for the checker's applications; an order for the
		 * sample, whose poison is an order that fails validation (quantity 0); text that is no JSON at all for
		 * an undecodable message.
		 */
		String payload(Scenario.App app) {
			if ("undecodable".equals(this.kind)) {
				return "not json: " + this.id;
			}
			if (app == Scenario.App.SAMPLE) {
				int quantity = "poison-fail".equals(this.kind) ? 0 : 1;
				return "{\"orderId\":\"" + this.id + "\",\"customerId\":\"checker\",\"sku\":\"sku-1\",\"quantity\":"
						+ quantity + ",\"amount\":1.50}";
			}
			if (app == Scenario.App.TX_PROCESSOR) {
				return "{\"id\":\"" + this.id + "\",\"kind\":\"" + this.kind + "\",\"amount\":" + amount() + "}";
			}
			return "{\"id\":\"" + this.id + "\",\"kind\":\"" + this.kind + "\"}";
		}

		/**
		 * The amount the transactional processor adds to its total, 1 to 1000, fixed by the id (not drawn from
		 * the scenario's random: the other draws of a seed stay as they were).
		 */
		long amount() {
			return amountOf(this.id);
		}

	}

	/** The amount of the message with this id (see {@link Planned#amount()}). */
	static long amountOf(String id) {
		long number = Long.parseLong(id.substring(id.indexOf('-') + 1));
		return 1 + (number * 7919) % 1000;
	}

	/** A send Redis confirmed. */
	record Sent(String id, String kind, String entryId, int epoch) {

		boolean expectedDead() {
			return Scenario.EXPECTED_DEAD.contains(this.kind);
		}

	}

}
