/**
 * `meshtrace/verify`: load an expectation spec, get traces from a source (Jaeger's APIs, an OTLP
 * receiver, a trace file), verify them, and render the report.
 *
 * ```ts
 * import { loadSpec, loadTraceFile, staticSource, verifyTraces, renderTerminal } from 'meshtrace/verify';
 * ```
 *
 * @packageDocumentation
 */
export * from './index';
