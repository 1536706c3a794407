/**
 * `meshtrace/verify`: load an expectation spec, get traces from a source (Jaeger's APIs, Zipkin's
 * API v2, an OTLP receiver, a trace file), verify them, and render the report.
 *
 * ```ts
 * import { loadSpec, loadTraceFile, staticSource, verifyTraces, renderTerminal } from 'meshtrace/verify';
 * ```
 *
 * @packageDocumentation
 */
export * from './index';
// Types the API above refers to, so they are documented and importable too.
export type { AssertionCategory, VerifyTraceOptions } from './matcher';
export type { AssertOp, AttributeAssertion, DriverSampling, LinkRule, Pattern } from './spec';
export type { LinearRegex } from './linear-regex';
export type { Bottleneck, TraceIndex } from './trace-index';
export type { DiagnosisInput } from './diagnosis';
export type { FetchRequest, FetchResult, JaegerSourceOptions, QuerySourceOptions, TraceQueryClient } from './sources/trace-source';
export type { ZipkinQueryOptions } from './sources/zipkin';
export type { ZipkinSpan } from './sources/zipkin-json';
export type { FindQuery, JaegerQueryOptions, TraceWindow } from './sources/jaeger-v3';
export type { Interval } from './statistics';
export type { JsonReportExtras } from './reports/json';
export type { PollStop } from './poller';
export type { SensitiveFinding } from './sensitive-data';
