/**
 * The verifier's programmatic API (used by `meshtrace verify`, the local demo and the labs).
 *
 *   const receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0 });
 *   const spec = await loadSpec('samples/expectations/relay-demo.yaml');
 *   const driven = await drive({ url: 'http://127.0.0.1:8080/' });
 *   const outcome = await pollAndVerify(spec, receiverSource(receiver), { traceIds: driven.traceIds, driver: driven.report });
 *   process.stdout.write(renderTerminal(outcome.result, outcome.traces));
 */
export * from './model';
export { startOtlpReceiver, RECEIVER_DEFAULTS, type OtlpReceiver, type OtlpReceiverOptions } from './sources/otlp-receiver';
export { loadSpec, parseSpec, compileSpec, SpecError, type Spec, type SpanMatcher, type EdgeRule } from './spec';
export { verifyTraces, selectSubjects, type VerifyOptions, type VerifyResult } from './verify-traces';
export { verifyTrace, matchSpan, type Assertion, type TraceVerdict } from './matcher';
export { diagnose, type Diagnosis, type DiagnosisKind, type DriverReport, type BackendReport, type NoTraceCause } from './diagnosis';
export { pollAndVerify, type PollOptions, type PollOutcome } from './poller';
export { drive, mintHeaders, returnedContext, triggerPath, type DriveOptions, type DriveResult, type DrivenRequest } from './driver';
export { withDriverAsRoot } from './sources/driver-as-root';
export {
  staticSource,
  receiverSource,
  jaegerSource,
  zipkinSource,
  connectJaeger,
  type TraceSource,
  type JaegerApi,
} from './sources/trace-source';
export { JaegerV3Source, tracesFromV3 } from './sources/jaeger-v3';
export { JaegerLegacySource } from './sources/jaeger-legacy';
export { tracesFromJaegerJson } from './sources/jaeger-legacy-json';
export { ZipkinSource, connectZipkin } from './sources/zipkin';
export { tracesFromZipkinTrace, tracesFromZipkinSearch, ZipkinFormatError } from './sources/zipkin-json';
export { spansFromOtlp, groupTraces } from './sources/otlp';
export { loadTraceFile, tracesFromText, tracesFromDocument, TraceFileError } from './sources/trace-file';
export { BackendUnreachableError } from './sources/http-get';
export { encodeExportRequest } from './sources/otlp-proto';
export { encodeOtlpJson } from './sources/otlp-json-encode';
export { renderTerminal, renderTree, type TerminalOptions } from './reports/terminal';
export { renderJson } from './reports/json';
export { renderJunit } from './reports/junit';
export { jaegerTraceUrl } from './reports/jaeger-link';
export { indexTrace, criticalPath, findBottleneck, selfTimeUs } from './trace-index';
export { findSensitiveData, luhnValid } from './sensitive-data';
export { wilsonInterval } from './statistics';
export { parseDurationUs, formatDuration } from '../duration';
