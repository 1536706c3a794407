/**
 * In-process "services under test" for the W3C suite driver: one hop built on our propagation
 * core, one built on OpenTelemetry JS (the comparison baseline, set up the way the notes
 * measured it: Node-style headers, W3CTraceContextPropagator, BasicTracerProvider child spans).
 */
import { context as otelContext, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { childContext, extract, headersFromPairs, inject, type PropagationFormat } from '../../../src/propagation/index';
import type { HeaderPairs, ServiceUnderTest } from './w3c-suite';
import { RANDOM_IDS } from '../../../src/random-ids';

/**
 * Headers the way Node's `req.headers` presents them: lowercase names, values trimmed of
 * leading/trailing OWS (llhttp does that), repeats joined with ", ".
 */
export function nodeStyleHeaders(pairs: HeaderPairs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of pairs) {
    const k = name.toLowerCase();
    const value = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    out[k] = k in out ? `${out[k]}, ${value}` : value;
  }
  return out;
}

/** Our hop: extract every format, one child per callback, inject `formats` (W3C by default). */
export function meshtraceHop(formats: readonly PropagationFormat[] = ['w3c']): ServiceUnderTest {
  return async (inbound, callbacks) => {
    const extracted = extract(headersFromPairs(inbound));
    const calls: HeaderPairs[] = [];
    for (let i = 0; i < callbacks; i++) {
      const child = childContext(RANDOM_IDS, extracted.context, extracted.samplingOnly);
      calls.push(Object.entries(inject({ context: child, baggage: extracted.baggage, formats })));
    }
    return calls;
  };
}

/** OpenTelemetry JS 2.12 hop: W3CTraceContextPropagator extract → SDK child span → inject. */
export function otelHop(): ServiceUnderTest {
  const propagator = new W3CTraceContextPropagator();
  const tracer = new BasicTracerProvider().getTracer('otel-comparison-hop');
  return async (inbound, callbacks) => {
    const parent = propagator.extract(ROOT_CONTEXT, nodeStyleHeaders(inbound), defaultTextMapGetter);
    const calls: HeaderPairs[] = [];
    for (let i = 0; i < callbacks; i++) {
      const span = tracer.startSpan('callback', { kind: SpanKind.CLIENT }, parent);
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(parent ?? otelContext.active(), span), carrier, defaultTextMapSetter);
      span.end();
      calls.push(Object.entries(carrier));
    }
    return calls;
  };
}
