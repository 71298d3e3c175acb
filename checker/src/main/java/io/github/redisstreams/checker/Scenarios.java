package io.github.redisstreams.checker;

import java.util.List;
import java.util.Map;

import io.github.redisstreams.checker.Scenario.App;
import io.github.redisstreams.checker.Scenario.Fault;

/**
 * The scenarios of the full run and of the short run (the JUnit test of the normal build).
 */
final class Scenarios {

	private Scenarios() {
	}

	static List<Scenario> full() {
		return List.of(
				Scenario.of("consumer-sigkill", App.CONSUMER, 2, 1500, 35).withFault(Fault.SIGKILL, 4),
				Scenario.of("consumer-sigterm", App.CONSUMER, 2, 1200, 35).withFault(Fault.SIGTERM, 3),
				Scenario.of("poison", App.CONSUMER, 2, 800, 25)
					.withSpecials(Map.of("poison-kill", 2, "poison-fail", 3, "undecodable", 2)),
				// the same in a backlog: the poison messages are read in full batches, between other messages
				Scenario.of("poison-backlog", App.CONSUMER, 1, 400, 0).withPreload()
					.withSpecials(Map.of("poison-kill", 1, "poison-fail", 2, "undecodable", 1)),
				Scenario.of("slow-handlers", App.CONSUMER, 2, 600, 25).withSpecials(Map.of("slow", 8)),
				// one consumer reads the whole backlog in one batch: its leases must be renewed for all of it
				Scenario.of("large-batch", App.CONSUMER, 2, 20000, 0)
					.withPreload()
					.withAppArguments("--spring.cloud.stream.redis.bindings.handle-in-0.consumer.read-count=20000"),
				Scenario.of("redis-restart-aof", App.CONSUMER, 2, 1200, 35).withAof().withFault(Fault.REDIS_RESTART_AOF, 2),
				Scenario.of("redis-restart-empty", App.PROCESSOR, 1, 1200, 35)
					.withFault(Fault.REDIS_RESTART_EMPTY, 2)
					.withAppArguments(retainedOut()),
				// the consumer of out is another service, down while Redis restarts empty
				Scenario.of("restart-empty-pipeline", App.PIPELINE, 2, 900, 30)
					.withFault(Fault.REDIS_RESTART_EMPTY_DOWNSTREAM_DOWN, 1)
					.withAppArguments(retainedOut()),
				Scenario.of("client-kill", App.PROCESSOR, 2, 1200, 35).withFault(Fault.CLIENT_KILL, 5),
				Scenario.of("out-wrongtype", App.PROCESSOR, 1, 1000, 30).withFault(Fault.OUT_WRONGTYPE, 2),
				Scenario.of("maxmemory-oom", App.PROCESSOR, 1, 1000, 30).withFault(Fault.OOM, 2),
				Scenario.of("group-destroy", App.CONSUMER, 2, 1000, 30).withFault(Fault.GROUP_DESTROY, 2),
				Scenario.of("processor-sigkill", App.PROCESSOR, 2, 1200, 35).withFault(Fault.SIGKILL, 3),
				// transactional binding: output, applied-count and total in one step with the acknowledgement;
				// exactly once under kills, pauses longer than claim-idle-time (the fence), lost connections and a
				// durable Redis restarted
				Scenario.of("transactional-processor", App.TX_PROCESSOR, 2, 1200, 35).withAof()
					.withSpecials(Map.of("poison-fail", 2))
					.withFault(Fault.SIGKILL, 3)
					.withFault(Fault.SIGSTOP, 2)
					.withFault(Fault.CLIENT_KILL, 3)
					.withFault(Fault.REDIS_RESTART_AOF, 1)
					.withAppArguments("--checker.handler-millis=30"),
				// the sample application itself: orders, invalid ones (quantity 0) and broken JSON among them
				Scenario.of("sample-app", App.SAMPLE, 1, 600, 30)
					.withSpecials(Map.of("poison-fail", 2, "undecodable", 1))
					.withFault(Fault.SIGKILL, 2));
	}

	static List<Scenario> brief() {
		return List.of(Scenario.of("consumer-sigkill", App.CONSUMER, 2, 300, 20).withFault(Fault.SIGKILL, 2),
				Scenario.of("poison-backlog", App.CONSUMER, 1, 200, 0).withPreload()
					.withSpecials(Map.of("poison-kill", 1, "poison-fail", 1, "undecodable", 1)),
				Scenario.of("out-wrongtype", App.PROCESSOR, 1, 300, 20).withFault(Fault.OUT_WRONGTYPE, 1));
	}

	/** The processor's output stream capped at 10 entries, safe mode: retention must never trim what g has not read. */
	private static String[] retainedOut() {
		return new String[] { "--spring.cloud.stream.redis.bindings.process-out-0.producer.max-len=10",
				"--spring.cloud.stream.redis.bindings.process-out-0.producer.retention-mode=safe",
				"--spring.cloud.stream.redis.bindings.process-out-0.producer.trim-interval=500ms" };
	}

}
