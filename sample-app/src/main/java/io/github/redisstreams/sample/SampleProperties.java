package io.github.redisstreams.sample;

import java.time.Duration;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the sample itself ({@code sample.*}).
 *
 * @param keySpace name of the Redis hash tag under which the sample keeps its own data (orders, totals
 * and analytics), e.g. {@code sample} gives keys like {@code {sample}:order:<orderId>}. One hash tag keeps
 * all of them in one Redis Cluster slot, so that one Lua script may update (or read) them together.
 * @param generator the demo order generator
 * @param processingTime how long {@code processOrder} works on each order before recording it (default 0):
 * a slow handler makes lag and pending entries visible in the tour
 * @param unavailableSkus SKUs whose orders fail as if a service the handler calls were down (default none):
 * they are retried, then dead-lettered, and can be replayed once the sample runs without them
 * @param embeddedRedis the Redis the sample starts for itself when none is configured
 */
@ConfigurationProperties("sample")
public record SampleProperties(String keySpace, Generator generator, Duration processingTime,
		Set<String> unavailableSkus, EmbeddedRedis embeddedRedis) {

	public SampleProperties {
		keySpace = (keySpace != null && !keySpace.isBlank()) ? keySpace : "sample";
		generator = (generator != null) ? generator : new Generator(0);
		processingTime = (processingTime != null) ? processingTime : Duration.ZERO;
		if (processingTime.isNegative()) {
			throw new IllegalArgumentException("sample.processing-time must be 0 or positive but was " + processingTime);
		}
		unavailableSkus = (unavailableSkus != null) ? Set.copyOf(unavailableSkus) : Set.of();
		embeddedRedis = (embeddedRedis != null) ? embeddedRedis : new EmbeddedRedis(null, null);
	}

	/**
	 * The demo order generator.
	 *
	 * @param rate demo orders published per second; 0 (the default) switches the generator off
	 */
	public record Generator(double rate) {

		public Generator {
			if (rate < 0) {
				throw new IllegalArgumentException("sample.generator.rate must be 0 (off) or positive but was " + rate);
			}
		}

	}

	/**
	 * The embedded Redis ({@code sample.embedded-redis.*}), read before the application context exists.
	 *
	 * @param enabled whether the sample may start an embedded Redis (default true): it does when no
	 * {@code spring.data.redis.*} address is configured (nor {@code SPRING_DATA_REDIS_URL}) and nothing answers
	 * at {@code probeAddress}
	 * @param probeAddress where Spring Boot looks for Redis when none is configured (default
	 * {@code localhost:6379}), as {@code host:port}
	 */
	public record EmbeddedRedis(Boolean enabled, String probeAddress) {

		public EmbeddedRedis {
			enabled = (enabled != null) ? enabled : Boolean.TRUE;
			probeAddress = (probeAddress != null) ? probeAddress : "localhost:6379";
			int colon = probeAddress.lastIndexOf(':');
			if (colon < 1 || !validPort(probeAddress.substring(colon + 1))) {
				throw new IllegalArgumentException(
						"sample.embedded-redis.probe-address must be host:port but was '" + probeAddress + "'");
			}
		}

		/**
		 * @return the host of {@link #probeAddress()}
		 */
		public String probeHost() {
			return this.probeAddress.substring(0, this.probeAddress.lastIndexOf(':'));
		}

		/**
		 * @return the port of {@link #probeAddress()}
		 */
		public int probePort() {
			return Integer.parseInt(this.probeAddress.substring(this.probeAddress.lastIndexOf(':') + 1));
		}

		private static boolean validPort(String port) {
			try {
				int number = Integer.parseInt(port);
				return number > 0 && number <= 65535;
			}
			catch (NumberFormatException ex) {
				return false;
			}
		}

	}

}
