package io.github.redisstreams.binder.inbound;

import java.time.Duration;

/**
 * The lifecycle of one consumer loop, in one place: {@code READING}, {@code PAUSING} (asked to pause, the read
 * under way finishes first), {@code PAUSED}, {@code STOPPING}, {@code FINISHED}. Other threads change it
 * (pause, resume, stop) and wait for it (finished); the loop's own waits (paused, backing off) wake up at once
 * when it is stopped. Thread-safe.
 */
final class ConsumerState {

	enum State {

		READING, PAUSING, PAUSED, STOPPING, FINISHED

	}

	private State state = State.READING;

	/** When a stop was first asked for ({@link System#nanoTime()}), or 0. */
	private long stopAskedAt;

	synchronized State get() {
		return this.state;
	}

	/**
	 * Whether the loop should go on: neither stopping nor finished.
	 */
	synchronized boolean isRunning() {
		return this.state != State.STOPPING && this.state != State.FINISHED;
	}

	synchronized void pause() {
		if (this.state == State.READING) {
			this.state = State.PAUSING;
		}
	}

	synchronized void resume() {
		if (this.state == State.PAUSING || this.state == State.PAUSED) {
			this.state = State.READING;
		}
	}

	/**
	 * Called by the loop when it sees a pause asked for and reads nothing more.
	 * @return true when the loop is paused (and should wait), false when it runs on
	 */
	synchronized boolean park() {
		if (this.state == State.PAUSING) {
			this.state = State.PAUSED;
		}
		return this.state == State.PAUSED;
	}

	synchronized void stop() {
		if (this.state != State.FINISHED) {
			if (this.state != State.STOPPING) {
				this.stopAskedAt = System.nanoTime();
			}
			this.state = State.STOPPING;
			notifyAll();
		}
	}

	/**
	 * How much of a stop's time is left.
	 * @param timeout the stop's whole time ({@code shutdown-timeout})
	 * @return the time left, the whole time when no stop was asked for
	 */
	synchronized Duration stopTimeLeft(Duration timeout) {
		if (this.stopAskedAt == 0) {
			return timeout;
		}
		Duration left = timeout.minusNanos(System.nanoTime() - this.stopAskedAt);
		return left.isNegative() ? Duration.ZERO : left;
	}

	synchronized void finished() {
		this.state = State.FINISHED;
		notifyAll();
	}

	/**
	 * Waits up to the given time, less if the loop is stopped meanwhile (the loop's pauses and back-offs).
	 */
	synchronized void sleep(long millis) throws InterruptedException {
		long deadline = System.nanoTime() + millis * 1_000_000;
		while (isRunning()) {
			long left = (deadline - System.nanoTime()) / 1_000_000;
			if (left <= 0) {
				return;
			}
			wait(left);
		}
	}

	/**
	 * Waits until the loop has finished.
	 * @return true when it has
	 */
	synchronized boolean awaitFinished(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.state != State.FINISHED) {
			long left = (deadline - System.nanoTime()) / 1_000_000;
			if (left <= 0) {
				return false;
			}
			wait(left);
		}
		return true;
	}

}
