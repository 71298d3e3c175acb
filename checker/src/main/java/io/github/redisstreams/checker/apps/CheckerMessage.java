package io.github.redisstreams.checker.apps;

/**
 * A message the checker sends on stream {@code in}, as JSON in the entry's {@code payload} field, e.g.
 * {@code {"id":"m-17","kind":"normal"}}, or {@code {"id":"m-17","kind":"normal","amount":42}} for the
 * transactional processor.
 *
 * @param id the business id, unique in a scenario
 * @param kind what the handler does with it: {@code normal}, {@code slow} (sleeps longer than
 * claim-idle-time), {@code poison-fail} (always throws), {@code poison-kill} (halts the JVM)
 * @param amount what the transactional processor adds to its total; null in the other scenarios' messages
 */
public record CheckerMessage(String id, String kind, Long amount) {

}
