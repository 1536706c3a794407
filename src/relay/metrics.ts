/**
 * The hop's own counters (served on the admin listener as Prometheus text), so loss and faults are
 * visible without a tracing backend.
 */
import type { SpanExportStats } from './span-export';

export class RelayMetrics {
  requests = 0;
  inFlight = 0;
  /** responses outside the classes 1xx–5xx, by class */
  private readonly responses: Record<string, number> = {};
  /** responses of class 1xx–5xx, by class digit (index 0 unused) */
  private readonly byClass = [0, 0, 0, 0, 0, 0];
  /** upstream failures by `error.type` */
  readonly upstreamErrors: Record<string, number> = {};
  /** injected faults by kind */
  readonly faults: Record<string, number> = {};
  clientAborts = 0;
  /** requests refused before handling (malformed, smuggling shapes, oversized headers), by status */
  readonly rejected: Record<string, number> = {};

  countRejected(status: number): void {
    this.rejected[status] = (this.rejected[status] ?? 0) + 1;
  }

  /** A response whose status line was sent. */
  countResponse(status: number): void {
    // The common classes by index (no string key per request). Only a status line that was sent is
    // counted: a request without one is a client abort or a reset fault, each with its own counter.
    const cls = Math.floor(status / 100);
    if (cls >= 1 && cls <= 5) this.byClass[cls]++;
    else this.responses[`${cls}xx`] = (this.responses[`${cls}xx`] ?? 0) + 1;
  }

  /** Responses by status class, e.g. `{ '2xx': 10 }`. */
  responsesByClass(): Record<string, number> {
    const out: Record<string, number> = { ...this.responses };
    this.byClass.forEach((n, cls) => {
      if (n) out[`${cls}xx`] = n;
    });
    return out;
  }

  countUpstreamError(type: string): void {
    this.upstreamErrors[type] = (this.upstreamErrors[type] ?? 0) + 1;
  }

  countFault(kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }
}

function labelled(name: string, help: string, label: string, values: Record<string, number>): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
  for (const key of Object.keys(values).sort()) lines.push(`${name}{${label}="${key}"} ${values[key]}`);
  return lines;
}

/** Prometheus text exposition of the counters. */
export function renderMetrics(serviceName: string, m: RelayMetrics, spans: SpanExportStats | undefined): string {
  const lines = [
    `# HELP relay_info The relay hop.`,
    `# TYPE relay_info gauge`,
    `relay_info{service_name="${serviceName}"} 1`,
    `# HELP relay_requests_total Requests received.`,
    `# TYPE relay_requests_total counter`,
    `relay_requests_total ${m.requests}`,
    `# HELP relay_requests_in_flight Requests being handled.`,
    `# TYPE relay_requests_in_flight gauge`,
    `relay_requests_in_flight ${m.inFlight}`,
    ...labelled(
      'relay_responses_total',
      'Responses whose status line was sent, by status class (requests without one are in relay_client_aborts_total or relay_faults_injected_total{fault="reset"}).',
      'code',
      m.responsesByClass(),
    ),
    ...labelled('relay_upstream_errors_total', 'Upstream calls that failed, by error type.', 'error_type', m.upstreamErrors),
    ...labelled('relay_faults_injected_total', 'Faults injected, by kind.', 'fault', m.faults),
    ...labelled(
      'relay_rejected_requests_total',
      'Requests refused by the HTTP parser (400 malformed or smuggling shape, 408, 431), by status.',
      'code',
      m.rejected,
    ),
    `# HELP relay_client_aborts_total Requests the client abandoned before the response ended.`,
    `# TYPE relay_client_aborts_total counter`,
    `relay_client_aborts_total ${m.clientAborts}`,
  ];
  if (spans) {
    lines.push(
      `# HELP relay_spans_total Spans by outcome (created, exported, dropped: queue full, failed: export gave up).`,
      `# TYPE relay_spans_total counter`,
      `relay_spans_total{outcome="created"} ${spans.created}`,
      `relay_spans_total{outcome="exported"} ${spans.exported}`,
      `relay_spans_total{outcome="dropped"} ${spans.dropped}`,
      `relay_spans_total{outcome="failed"} ${spans.failed}`,
      `# HELP relay_spans_pending Spans queued or being exported.`,
      `# TYPE relay_spans_pending gauge`,
      `relay_spans_pending ${spans.pending}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
