/**
 * The production verifier: the verify library (spec, driver, Jaeger source, poller, diagnosis)
 * behind the smoke lane's `Verifier` seam. The request goes to the kit's own port-forward of the
 * entry point; the spec decides the path and headers, the lane adds what its route needs (Host).
 */
import { join } from 'node:path';
import {
  connectJaeger,
  drive,
  jaegerSource,
  loadSpec,
  pollAndVerify,
  renderTerminal,
  triggerPath,
  withDriverAsRoot,
} from '../verify/index';
import type { Diagnosis } from '../verify/index';
import type { Verifier, VerifyOutcome } from './executor';

/**
 * Spec headers with the lane's on top, names compared case-insensitively: a spec's `host` and
 * the lane's `Host` must not become two Host headers (a 400 from any proxy) (pure).
 */
export function mergeHeaders(
  spec: Readonly<Record<string, string>> | undefined,
  lane: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec ?? {})) merged[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(lane)) merged[k.toLowerCase()] = v;
  return merged;
}

/** Services the diagnoses blame (both ends of a broken hop), for log collection (pure). */
export function blamedServices(diagnoses: readonly Diagnosis[]): string[] {
  const services = new Set<string>();
  for (const d of diagnoses) {
    if (d.hop?.from) services.add(d.hop.from);
    if (d.hop?.to) services.add(d.hop.to);
  }
  return [...services];
}

export function libraryVerifier(root: string): Verifier {
  return async (request): Promise<VerifyOutcome> => {
    const started = Date.now();
    const spec = await loadSpec(join(root, request.spec));
    const base = new URL(request.triggerUrl);
    const url = `${base.origin}${triggerPath(spec.trigger?.url, `${base.pathname}${base.search}`)}`;
    const client = await connectJaeger({ baseUrl: request.jaegerUrl, timeoutMs: 10_000 }, 'auto');
    const source = jaegerSource(client, request.jaegerUrl);
    const driven = await drive({
      url,
      method: spec.trigger?.method ?? 'GET',
      headers: mergeHeaders(spec.trigger?.headers, request.headers),
      ...(spec.trigger?.body !== undefined ? { body: spec.trigger.body } : {}),
      requests: spec.trigger?.requests ?? 1,
      concurrency: spec.trigger?.concurrency ?? 1,
      propagation: spec.trigger?.propagation ?? ['w3c'],
      timeoutMs: 10_000,
    });
    const failed = driven.requests.filter((r) => r.error !== undefined);
    if (failed.length === driven.requests.length) {
      // not a trace problem: the entry point did not answer at all
      throw new Error(
        `${request.name}: every request to ${url} failed (${failed[0]?.error}); the entry point behind the port-forward is not serving`,
      );
    }
    const outcome = await pollAndVerify(spec, withDriverAsRoot(source, new Set(driven.requests.map((r) => r.spanId))), {
      traceIds: driven.traceIds,
      driver: driven.report,
      requests: driven.requests.length,
      window: { startUs: driven.startedAtUs, endUs: driven.endedAtUs },
      timeoutMs: request.timeoutMs,
    });
    const result = outcome.result;
    // no Jaeger UI links: the forward's ephemeral port is closed when the report is read
    const report = renderTerminal(result, outcome.traces, { color: false, verbose: false });
    const firstDiagnosis = result.diagnoses[0]?.title;
    const message = result.passed
      ? `matched ${result.tracesSeen} trace(s), ${result.spansSeen} span(s) after ${outcome.polls} poll(s)`
      : `did not match after ${outcome.polls} poll(s) (${outcome.stoppedBy}; ${result.tracesSeen} trace(s), ${result.spansSeen} span(s))${firstDiagnosis ? `: ${firstDiagnosis}` : ''}`;
    return {
      name: request.name,
      spec: request.spec,
      passed: result.passed,
      durationMs: Date.now() - started,
      traceIds: driven.traceIds,
      message,
      diagnosis: result.passed ? undefined : report,
      failingServices: blamedServices(result.diagnoses),
    };
  };
}
