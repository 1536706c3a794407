/**
 * `meshtrace/propagation`: the lossless trace-context core (W3C traceparent/tracestate/baggage,
 * B3 single and multi, Jaeger uber-trace-id, Envoy/passthrough headers) — parse, inject, explain.
 *
 * @packageDocumentation
 */
export * from './index';
export type { HeaderValue } from './text';
