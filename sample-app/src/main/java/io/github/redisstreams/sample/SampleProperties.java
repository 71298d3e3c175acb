package io.github.redisstreams.sample;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the sample itself ({@code sample.*}).
 *
 * @param keySpace name of the Redis hash tag under which the sample keeps its own data (orders, totals
 * and analytics), e.g. {@code sample} gives keys like {@code {sample}:order:<orderId>}. One hash tag keeps
 * all of them in one Redis Cluster slot, so that one Lua script may update them together.
 * @param generator the demo order generator
 */
@ConfigurationProperties("sample")
public record SampleProperties(String keySpace, Generator generator) {

	public SampleProperties {
		keySpace = (keySpace != null && !keySpace.isBlank()) ? keySpace : "sample";
		generator = (generator != null) ? generator : new Generator(0);
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

}
