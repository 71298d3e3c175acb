package io.github.redisstreams.checker;

import java.util.List;

/**
 * The outcome of one scenario: the counts of the table and the details that explain a failure.
 *
 * @param scenario the scenario
 * @param messages messages the producer tried to send
 * @param sent sends Redis confirmed (in the last epoch)
 * @param processed sent ids whose effect was recorded
 * @param deadLettered sent ids in a dead-letter stream
 * @param lost sent ids neither processed nor dead-lettered
 * @param stuck entries still pending in group g at the end
 * @param deadWithoutHandler dead letters of ids whose handler was never entered (an undecodable message
 * excepted)
 * @param wronglyDead healthy ids in a dead-letter stream
 * @param duplicates ids whose effect was applied more than once, -1 when they cannot be seen (the sample)
 * @param extraEffects effects applied beyond the first
 * @param pass whether every check held
 * @param details what happened, and what went wrong
 */
record ScenarioResult(Scenario scenario, int messages, int sent, int processed, int deadLettered, int lost, long stuck,
		int deadWithoutHandler, int wronglyDead, int duplicates, long extraEffects, boolean pass, List<String> details) {

	String verdict() {
		return this.pass ? "PASS" : "FAIL";
	}

	String summary() {
		return verdict() + " (sent " + this.sent + ", processed " + this.processed + ", dlq " + this.deadLettered
				+ ", lost " + this.lost + ", stuck " + this.stuck + ", dlq-without-handler " + this.deadWithoutHandler
				+ ", wrongly-dlq " + this.wronglyDead + ", duplicates "
				+ ((this.duplicates < 0) ? "n/a" : Integer.toString(this.duplicates)) + ")";
	}

	static ScenarioResult crashed(Scenario scenario, Throwable failure) {
		return new ScenarioResult(scenario, scenario.messages(), 0, 0, 0, 0, 0, 0, 0, 0, 0, false,
				List.of("the scenario could not run: " + failure));
	}

}
