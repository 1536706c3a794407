/**
 * The instrumentation scope, as backends without a scope field keep it: span tags `otel.scope.*`
 * (`otel.library.*` before OpenTelemetry 1.10). Jaeger's and Zipkin's translations of OTLP both
 * write these. Pure.
 */
import { ATTR_OTEL_SCOPE_NAME, ATTR_OTEL_SCOPE_VERSION } from '@opentelemetry/semantic-conventions';
import { ATTR_OTEL_LIBRARY_NAME, ATTR_OTEL_LIBRARY_VERSION } from '../../attribute-names';
import type { AttributeValue, InstrumentationScope } from '../model';

export function scopeOfTags(tags: Readonly<Record<string, AttributeValue>>): InstrumentationScope | undefined {
  const name = tags[ATTR_OTEL_SCOPE_NAME] ?? tags[ATTR_OTEL_LIBRARY_NAME];
  if (typeof name !== 'string' || name === '') return undefined;
  const version = tags[ATTR_OTEL_SCOPE_VERSION] ?? tags[ATTR_OTEL_LIBRARY_VERSION];
  return typeof version === 'string' && version !== '' ? { name, version } : { name };
}
