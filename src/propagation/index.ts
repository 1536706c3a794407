/**
 * Public API of the propagation core (pure: no I/O, never throws).
 * CONTRACT for the relay and the verifier's driver: `extract`, `inject`, `childContext`,
 * `TRACE_HEADER_NAMES` (+ `isTraceHeaderName` for `uberctx-*`). The implementation lives in one
 * file per format beside this one and in `composite.ts`. Header names are lowercase (Node's
 * `req.headers` / `headersDistinct`).
 */
export * from './trace-context';
export {
  extract,
  inject,
  childContext,
  w3cFlagsOf,
  TRACE_HEADER_NAMES,
  isTraceHeaderName,
  headersFromPairs,
  DEFAULT_TRACESTATE_MAX_LENGTH,
  DEFAULT_ROOT_SAMPLING,
  type HeaderBag,
  type ExtractOptions,
  type InjectInput,
} from './composite';
export { randomSpanId, randomTraceId } from './hex';
export * from './w3c-traceparent';
export * from './w3c-tracestate';
export * from './w3c-baggage';
export * from './b3';
export * from './jaeger';
export { extractPassthrough, PASSTHROUGH_MAX_LENGTH } from './passthrough';
export * from './w3c-server-timing';
export * from './explain';
export * from './format-names';
