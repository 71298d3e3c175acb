package io.github.redisstreams.binder.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.function.context.FunctionCatalog;
import org.springframework.cloud.function.context.catalog.FunctionTypeUtils;
import org.springframework.cloud.function.context.catalog.SimpleFunctionRegistry.FunctionInvocationWrapper;
import org.springframework.cloud.stream.binder.Binding;
import org.springframework.cloud.stream.binder.BindingCreatedEvent;
import org.springframework.cloud.stream.function.BindableFunctionProxyFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.SmartApplicationListener;

import io.github.redisstreams.binder.properties.RedisConsumerProperties;

/**
 * Warns, once per function, when a reactive function consumes from a binding of this binder: a function
 * whose input is a {@code Publisher} ({@code Consumer<Flux<Order>>}, {@code Function<Flux<Order>, Flux<Invoice>>})
 * or that has several inputs (a {@code Tuple2<Flux<A>, Flux<B>>}, which Spring Cloud Stream only binds
 * reactively).
 * <p>
 * Spring Cloud Stream subscribes such a function to a {@code Flux} fed from the binding's channel. The binder's
 * send of a message to that channel returns once the message is handed to the {@code Flux}; the function may
 * process it later, on another thread, or buffer it. The entry is acknowledged then, so the binder's
 * at-least-once guarantee does not hold: an entry in flight when the application dies is lost, and an error
 * inside the {@code Flux} is neither retried nor dead-lettered (unless handled, it ends the function's
 * subscription).
 * <p>
 * The bindings of this binder are told apart by their consumer properties ({@link RedisConsumerProperties}),
 * so a reactive function bound to another binder of the same application is not reported. The warning is
 * logged when the application context has been refreshed (all functions bound); a binding created later (a
 * binding retried after a failure) is reported when it is created. Silenced like any logger:
 * {@code logging.level.io.github.redisstreams.binder.config.RedisStreamReactiveFunctionWarning=error}.
 */
final class RedisStreamReactiveFunctionWarning implements SmartApplicationListener {

	private static final Log logger = LogFactory.getLog(RedisStreamReactiveFunctionWarning.class);

	private final ApplicationContext context;

	private final ObjectProvider<FunctionCatalog> functionCatalog;

	/** Input bindings created by this binder, by binding name. */
	private final Set<String> redisInputs = ConcurrentHashMap.newKeySet();

	private final Set<String> warned = ConcurrentHashMap.newKeySet();

	private volatile boolean refreshed;

	RedisStreamReactiveFunctionWarning(ApplicationContext context, ObjectProvider<FunctionCatalog> functionCatalog) {
		this.context = context;
		this.functionCatalog = functionCatalog;
	}

	@Override
	public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
		return BindingCreatedEvent.class.isAssignableFrom(eventType)
				|| ContextRefreshedEvent.class.isAssignableFrom(eventType);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof BindingCreatedEvent created && created.getSource() instanceof Binding<?> binding) {
			Object extension = binding.getExtension();
			if (extension instanceof RedisConsumerProperties && binding.getBindingName() != null) {
				this.redisInputs.add(binding.getBindingName());
				if (this.refreshed) {
					warnAboutReactiveFunctions();
				}
			}
		}
		else if (event instanceof ContextRefreshedEvent refreshedEvent
				&& refreshedEvent.getApplicationContext() == this.context) {
			// events of the binders' own contexts reach this context too
			this.refreshed = true;
			warnAboutReactiveFunctions();
		}
	}

	private synchronized void warnAboutReactiveFunctions() {
		FunctionCatalog catalog = this.functionCatalog.getIfAvailable();
		if (catalog == null || this.redisInputs.isEmpty()) {
			return;
		}
		for (BindableFunctionProxyFactory bindable : this.context.getBeansOfType(BindableFunctionProxyFactory.class)
			.values()) {
			String definition = bindable.getFunctionDefinition();
			if (!bindable.isFunctionExist() || definition == null || this.warned.contains(definition)) {
				continue;
			}
			List<String> bindings = new ArrayList<>(bindable.getInputs());
			bindings.retainAll(this.redisInputs);
			if (bindings.isEmpty()) {
				continue;
			}
			FunctionInvocationWrapper function = catalog.lookup(definition);
			if (function != null && isReactive(function)) {
				this.warned.add(definition);
				logger.warn(message(definition, bindings));
			}
		}
	}

	private static boolean isReactive(FunctionInvocationWrapper function) {
		return function.isInputTypePublisher()
				|| (!function.isSupplier() && FunctionTypeUtils.getInputCount(function) > 1);
	}

	static String message(String function, List<String> bindings) {
		return "Reactive function '" + function + "' consumes Redis binding(s) " + bindings
				+ " without the binder's at-least-once guarantee: each entry is acknowledged (XACK) as soon as it"
				+ " is handed to the function's Flux, not when the function has finished with it. Entries buffered"
				+ " or in progress when the application crashes are lost; an error inside the Flux is neither"
				+ " retried nor dead-lettered and, unless the function handles it, ends the function's subscription"
				+ " (later entries then fail until the application restarts). For at-least-once delivery use an"
				+ " imperative function"
				+ " (Consumer<T>, Function<T, R>), or a batch consumer (Consumer<List<T>> with batch-mode) to take"
				+ " many entries per call. See 'Reactive functions' in docs/recovery.md.";
	}

}
