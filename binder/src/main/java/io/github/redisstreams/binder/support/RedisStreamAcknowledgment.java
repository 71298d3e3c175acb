package io.github.redisstreams.binder.support;

/**
 * How an application settles an entry itself when its binding has {@code ack-mode: manual}: the handle is in
 * the message's {@link RedisStreamHeaders#ACKNOWLEDGMENT} header. Each method may be called from any thread,
 * for example once an asynchronous write of the handler completed; an entry is settled once, and a second
 * call, or a call after the binding stopped and handed the entry back, throws {@link IllegalStateException}.
 * <p>
 * Called while the handler runs, a method takes effect when the handler returns; if the handler throws
 * instead, the call is void and the failure is handled as with automatic acknowledgement (retries,
 * {@code max-deliveries}, dead-letter stream). Until it is settled, the entry counts against
 * {@code max-unacknowledged} and its lease is kept fresh, so that no other consumer takes it over.
 */
public interface RedisStreamAcknowledgment {

	/**
	 * The entry was processed: it is acknowledged ({@code XACK}, with its idempotency marker), once the writes
	 * its handler made through the binder are stored.
	 */
	void acknowledge();

	/**
	 * The entry cannot be processed: it goes to the dead-letter stream now, with this reason recorded (without
	 * a dead-letter stream it is acknowledged, dropped and reported at ERROR).
	 * @param reason why
	 */
	void reject(Throwable reason);

	/**
	 * The entry should be delivered again: it stays pending and is delivered again after
	 * {@code claim-idle-time}, as a failed delivery; after {@code max-deliveries} deliveries it is dead-lettered
	 * instead.
	 */
	void requeue();

	/**
	 * The stream entry id of the entry this handle settles.
	 */
	String entryId();

}
