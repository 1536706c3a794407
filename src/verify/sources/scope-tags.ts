/**
 * The instrumentation scope, as backends without a scope field keep it: span tags `otel.scope.*`
 * (`otel.library.*` before OpenTelemetry 1.10). Jaeger's and Zipkin's translations of OTLP both
 * write these. Pure.
 */
import type { AttributeValue, InstrumentationScope } from '../model';

export function scopeOfTags(tags: Readonly<Record<string, AttributeValue>>): InstrumentationScope | undefined {
  const name = tags['otel.scope.name'] ?? tags['otel.library.name'];
  if (typeof name !== 'string' || name === '') return undefined;
  const version = tags['otel.scope.version'] ?? tags['otel.library.version'];
  return typeof version === 'string' && version !== '' ? { name, version } : { name };
}
