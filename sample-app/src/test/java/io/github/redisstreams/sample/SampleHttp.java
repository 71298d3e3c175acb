package io.github.redisstreams.sample;

import java.util.Map;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's HTTP API as a client sees it, for tests that start the application themselves.
 */
public final class SampleHttp {

	private final RestClient client;

	private SampleHttp(int port) {
		this.client = RestClient.create("http://localhost:" + port);
	}

	public static SampleHttp of(ConfigurableApplicationContext context) {
		return new SampleHttp(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
	}

	public static SampleHttp on(int port) {
		return new SampleHttp(port);
	}

	/**
	 * Posts an order and checks that it was accepted (stored in the stream).
	 */
	public void postOrder(String orderId, String customerId, int quantity, String amount) {
		int status = this.client.post()
			.uri("/orders")
			.contentType(MediaType.APPLICATION_JSON)
			.body(OrderJson.of(orderId, customerId, quantity, amount))
			.retrieve()
			.toBodilessEntity()
			.getStatusCode()
			.value();
		assertThat(status).as("POST /orders").isEqualTo(202);
	}

	/**
	 * Whether the order was processed ({@code GET /orders/{orderId}} finds it).
	 */
	public boolean processed(String orderId) {
		return json("/orders/" + orderId) != null;
	}

	/**
	 * A JSON object.
	 * @return the object, or null when the answer is not 200
	 */
	public Map<String, Object> json(String path) {
		return this.client.get().uri(path).exchange((request, response) -> (response.getStatusCode().value() == 200)
				? response.bodyTo(new ParameterizedTypeReference<Map<String, Object>>() {
				}) : null);
	}

	public String text(String path) {
		return this.client.get().uri(path).retrieve().body(String.class);
	}

	/**
	 * The status of a request without a body.
	 */
	public int status(HttpMethod method, String path) {
		return this.client.method(method)
			.uri(path)
			.exchange((request, response) -> response.getStatusCode().value());
	}

}
