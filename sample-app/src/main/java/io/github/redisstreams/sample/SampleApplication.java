package io.github.redisstreams.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * An order pipeline on Spring Cloud Stream: {@code POST /orders} publishes orders to the destination
 * {@code orders}, the functional consumer {@code processOrder} records them in Redis, and the batch
 * consumer {@code updateAnalytics}, in a group of its own, counts them for {@code GET /orders/analytics}.
 * Which broker carries them (Redis Streams by default, Kafka with the {@code kafka} profile) is decided in
 * {@code application.yml} only.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
