package io.github.redisstreams.binder.connection;

/**
 * A position in a stream as consumer group commands take it: where a group starts ({@code XGROUP CREATE}) or
 * what a consumer reads ({@code XREADGROUP}).
 *
 * @param value the position as Redis writes it
 */
public record GroupOffset(String value) {

	/** The start of the stream: a group created here reads every entry. */
	public static final GroupOffset FIRST = new GroupOffset("0");

	/** After the current last entry: a group created here reads only entries added later. */
	public static final GroupOffset LAST = new GroupOffset("$");

	/** For {@code XREADGROUP}: the entries never delivered to any consumer of the group. */
	public static final GroupOffset NEW_ENTRIES = new GroupOffset(">");

	/**
	 * The position after an entry: a group created here reads the entries that follow it.
	 * @param entryId an entry id
	 */
	public static GroupOffset after(String entryId) {
		return new GroupOffset(entryId);
	}

	@Override
	public String toString() {
		return this.value;
	}

}
