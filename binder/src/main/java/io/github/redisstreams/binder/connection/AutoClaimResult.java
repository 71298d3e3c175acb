package io.github.redisstreams.binder.connection;

import java.util.List;

import io.github.redisstreams.binder.support.StreamEntry;

/**
 * The reply of {@code XAUTOCLAIM}.
 *
 * @param nextCursor where the next scan starts; {@code 0-0} when the scan went through the whole PEL
 * @param claimed the entries now owned by the claiming consumer
 * @param deletedIds ids that were pending but whose entries had been deleted (trimmed) from the
 * stream; Redis removed them from the PEL, so the messages are lost
 */
public record AutoClaimResult(String nextCursor, List<StreamEntry> claimed, List<String> deletedIds) {

	/**
	 * Whether the scan reached the end of the pending entries list.
	 * @return true when the cursor is back at {@code 0-0}
	 */
	public boolean isComplete() {
		return "0-0".equals(this.nextCursor);
	}

}
