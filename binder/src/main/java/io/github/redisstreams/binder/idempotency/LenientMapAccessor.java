package io.github.redisstreams.binder.idempotency;

import java.util.Map;

import org.springframework.context.expression.MapAccessor;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.TypedValue;

/**
 * Reads map entries as properties, a missing entry as null: a JSON message without the key field has no
 * business key (it is processed without a duplicate check) rather than being an evaluation error.
 */
class LenientMapAccessor extends MapAccessor {

	LenientMapAccessor() {
		super(false);
	}

	@Override
	public boolean canRead(EvaluationContext context, Object target, String name) {
		return target instanceof Map;
	}

	@Override
	public TypedValue read(EvaluationContext context, Object target, String name) {
		return new TypedValue(((Map<?, ?>) target).get(name));
	}

}
