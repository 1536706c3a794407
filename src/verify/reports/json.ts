/** `--json`: one JSON document with the verdict, every assertion and every diagnosis (no span bodies). */
import type { VerifyResult } from '../verify-traces';
import { jaegerTraceUrl } from './jaeger-link';

export interface JsonReportExtras {
  readonly jaegerUiUrl?: string;
  readonly polls?: number;
  readonly elapsedMs?: number;
  readonly source?: string;
}

export function renderJson(result: VerifyResult, extras: JsonReportExtras = {}): string {
  const doc = {
    spec: result.spec,
    passed: result.passed,
    match: result.match,
    source: extras.source,
    polls: extras.polls,
    elapsedMs: extras.elapsedMs,
    tracesSeen: result.tracesSeen,
    spansSeen: result.spansSeen,
    missingTraceIds: result.missingTraceIds,
    closestTraceId: result.closest?.traceId,
    assertions: result.assertions,
    traces: result.traces.map((v) => ({
      ...v,
      ...(extras.jaegerUiUrl ? { url: jaegerTraceUrl(extras.jaegerUiUrl, v.traceId) } : {}),
    })),
    diagnoses: result.diagnoses,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
