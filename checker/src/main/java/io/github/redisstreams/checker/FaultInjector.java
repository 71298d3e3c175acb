package io.github.redisstreams.checker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.KillArgs;
import io.lettuce.core.ScriptOutputType;

import io.github.redisstreams.checker.Scenario.Fault;

/**
 * Injects a scenario's faults at the moments of its schedule, drawn from the scenario's seeded random
 * between 15 % and 75 % of the sending window, one after the other. Every fault is undone before the next
 * one starts (an instance started again, Redis back, writes allowed again): at the end of the schedule the
 * system is whole and only has to recover.
 */
final class FaultInjector implements Runnable {

	/** Where the stream {@code out} waits while a string has its name. */
	static final String OUT_SAVED = "checker:out-saved";

	private static final String BREAK_OUT = "if redis.call('EXISTS', 'out') == 1 then redis.call('RENAME', 'out', '"
			+ OUT_SAVED + "') end redis.call('SET', 'out', 'x') return 1";

	private static final String RESTORE_OUT = "redis.call('DEL', 'out') if redis.call('EXISTS', '" + OUT_SAVED
			+ "') == 1 then redis.call('RENAME', '" + OUT_SAVED + "', 'out') end return 1";

	private final Scenario scenario;

	private final Random random;

	private final PrivateRedis redis;

	private final RedisAccess admin;

	private final Producer producer;

	private final List<AppProcess> apps;

	private final List<Event> schedule = new ArrayList<>();

	private final List<String> journal = Collections.synchronizedList(new ArrayList<>());

	private final long startNanos;

	FaultInjector(Scenario scenario, Random random, PrivateRedis redis, RedisAccess admin, Producer producer,
			List<AppProcess> apps, long startNanos) {
		this.scenario = scenario;
		this.random = random;
		this.redis = redis;
		this.admin = admin;
		this.producer = producer;
		this.apps = apps;
		this.startNanos = startNanos;
		long window = scenario.window().toMillis();
		for (Fault fault : scenario.faults()) {
			long at = (long) (window * (0.15 + 0.60 * random.nextDouble()));
			this.schedule.add(new Event(at, fault));
		}
		this.schedule.sort((a, b) -> Long.compare(a.atMillis(), b.atMillis()));
	}

	List<String> journal() {
		synchronized (this.journal) {
			return List.copyOf(this.journal);
		}
	}

	@Override
	public void run() {
		for (Event event : this.schedule) {
			long wait = this.startNanos + event.atMillis() * 1_000_000L - System.nanoTime();
			if (wait > 0) {
				// spacing the faults on their schedule
				LockSupport.parkNanos(wait);
			}
			try {
				inject(event.fault());
			}
			catch (RuntimeException ex) {
				note("injecting " + event.fault().label + " failed: " + ex);
			}
		}
	}

	private void inject(Fault fault) {
		switch (fault) {
			case SIGKILL -> {
				AppProcess app = randomApp();
				app.kill();
				long down = pause(500, 3000);
				app.start();
				note("SIGKILL " + app.name() + ", down " + down + " ms, ready again: " + app.awaitReady());
			}
			case SIGTERM -> {
				AppProcess app = randomApp();
				long begin = System.nanoTime();
				boolean graceful = app.stop();
				long stopping = (System.nanoTime() - begin) / 1_000_000;
				long down = pause(500, 3000);
				app.start();
				note("SIGTERM " + app.name() + " (" + (graceful ? "stopped in " + stopping + " ms" : "had to be killed")
						+ "), down " + down + " ms, ready again: " + app.awaitReady());
			}
			case SIGSTOP -> {
				AppProcess app = randomApp();
				boolean stopped = app.signal("STOP");
				long paused = pause(3000, 5000);
				boolean resumed = app.signal("CONT");
				note("SIGSTOP " + app.name() + (stopped ? "" : " (not sent)") + ", SIGCONT " + paused + " ms later"
						+ (resumed ? "" : " (not sent)"));
			}
			case REDIS_RESTART_EMPTY -> {
				long[] down = new long[1];
				this.producer.exclusive(() -> {
					this.redis.kill();
					down[0] = pause(1000, 3000);
					this.redis.start();
				});
				note("Redis killed and started again empty after " + down[0] + " ms; epoch " + this.producer.epoch());
			}
			case REDIS_RESTART_EMPTY_DOWNSTREAM_DOWN -> {
				AppProcess downstream = this.apps.get(this.apps.size() - 1);
				downstream.kill();
				long[] down = new long[1];
				this.producer.exclusive(() -> {
					this.redis.kill();
					down[0] = pause(1000, 3000);
					this.redis.start();
				});
				long more = pause(3000, 6000);
				downstream.start();
				note("SIGKILL " + downstream.name() + ", Redis killed and started again empty after " + down[0]
						+ " ms (epoch " + this.producer.epoch() + "), " + downstream.name() + " started " + more
						+ " ms later, ready again: " + downstream.awaitReady());
			}
			case REDIS_RESTART_AOF -> {
				this.redis.kill();
				long down = pause(500, 2000);
				this.redis.start();
				note("Redis (AOF) killed and started again after " + down + " ms");
			}
			case CLIENT_KILL -> {
				String clients = this.admin.call((redis) -> redis.clientList());
				int killed = 0;
				for (String line : clients.split("\n")) {
					String name = field(line, "name");
					String id = field(line, "id");
					if (id != null && name != null && name.startsWith("app-")) {
						long target = Long.parseLong(id);
						killed += this.admin.call((redis) -> redis.clientKill(KillArgs.Builder.id(target))).intValue();
					}
				}
				note("CLIENT KILL of " + killed + " application connections");
			}
			case OUT_WRONGTYPE -> {
				this.admin.call((redis) -> redis.eval(BREAK_OUT, ScriptOutputType.INTEGER));
				long held = pause(2000, 4000);
				this.admin.call((redis) -> redis.eval(RESTORE_OUT, ScriptOutputType.INTEGER));
				note("stream out replaced by a string (WRONGTYPE) for " + held + " ms");
			}
			case OOM -> {
				this.admin.call((redis) -> redis.configSet("maxmemory-policy", "noeviction"));
				this.admin.call((redis) -> redis.configSet("maxmemory", "1"));
				long held = pause(2000, 3000);
				this.admin.call((redis) -> redis.configSet("maxmemory", "0"));
				note("maxmemory 1 with noeviction (writes refused with OOM) for " + held + " ms");
			}
			case GROUP_DESTROY -> {
				Scenario.App app = this.scenario.app();
				boolean destroyed = this.admin.call((redis) -> redis.xgroupDestroy(app.stream, app.group));
				note("XGROUP DESTROY " + app.stream + " " + app.group + ": " + destroyed);
			}
		}
	}

	private AppProcess randomApp() {
		return this.apps.get(this.random.nextInt(this.apps.size()));
	}

	private long pause(int minMillis, int maxMillis) {
		return Producer.parkMillis(minMillis + this.random.nextInt(maxMillis - minMillis + 1));
	}

	private void note(String text) {
		long at = (System.nanoTime() - this.startNanos) / 1_000_000;
		this.journal.add(String.format("t+%5.1f s  %s", at / 1000.0, text));
	}

	/** Notes something that happened outside the schedule (an instance that died by itself). */
	void noteExternal(String text) {
		note(text);
	}

	static String field(String clientLine, String name) {
		for (String part : clientLine.trim().split(" ")) {
			if (part.startsWith(name + "=")) {
				return part.substring(name.length() + 1);
			}
		}
		return null;
	}

	record Event(long atMillis, Fault fault) {

	}

}
