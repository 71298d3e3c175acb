package io.github.redisstreams.binder.test;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * Ends the processes a test started: SIGKILL to all of them first, then a bounded wait for each.
 */
public final class Processes {

	private Processes() {
	}

	/**
	 * Kills the processes and waits up to 10 s for each to end.
	 * @param processes the processes
	 */
	public static void killAll(Collection<Process> processes) {
		processes.forEach(Process::destroyForcibly);
		for (Process process : processes) {
			try {
				process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
