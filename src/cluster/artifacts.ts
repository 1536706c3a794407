/**
 * After a red smoke run: everything a person needs to see where it broke, in one folder.
 * Best effort: each item that cannot be collected is noted in `collection-errors.txt` and the
 * rest is still written (a broken cluster is exactly when artifacts matter).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { CollectArtifactsStep, ServicePortRef } from './plan';
import type { KubeApi, PodInfo } from './kube';
import type { ProcessRunner } from './runner';
import type { StepOutcome, VerifyOutcome } from './outcome';
import type { OpenForward } from './port-forward';
import { describeStep } from './render';

export interface CollectRequest {
  readonly kube: KubeApi;
  readonly runner: ProcessRunner;
  readonly step: CollectArtifactsStep;
  readonly root: string;
  readonly outcomes: readonly StepOutcome[];
  readonly verifications: readonly VerifyOutcome[];
  readonly openForward: (id: string, target: ServicePortRef) => Promise<OpenForward>;
  /** HTTP GET for the collector metrics. @default global fetch */
  readonly fetchText?: (url: string) => Promise<string>;
}

/** The collector counters that tell whether spans were lost (jaeger-hotrod / reliability notes §5). */
export const COLLECTOR_COUNTERS = [
  'otelcol_receiver_accepted_spans',
  'otelcol_receiver_refused_spans',
  'otelcol_exporter_sent_spans',
  'otelcol_exporter_send_failed_spans',
  'otelcol_processor_dropped_spans',
];

/** Keeps only the span counters from a Prometheus exposition (pure). */
export function spanCounters(metrics: string): string {
  return metrics
    .split('\n')
    .filter((line) =>
      COLLECTOR_COUNTERS.some((name) => line.startsWith(name) || line.startsWith(`# HELP ${name}`) || line.startsWith(`# TYPE ${name}`)),
    )
    .join('\n');
}

/**
 * Pods of a Jaeger service name: Istio names spans `<app>.<namespace>` (istio.md §1.1), other
 * services use their own name; match the `app`/`app.kubernetes.io/name` label, then the pod name prefix (pure).
 */
export function podsForService(service: string, pods: readonly PodInfo[]): PodInfo[] {
  const dot = service.indexOf('.');
  const app = dot > 0 ? service.slice(0, dot) : service;
  const ns = dot > 0 ? service.slice(dot + 1) : undefined;
  return pods.filter(
    (p) =>
      (ns === undefined || p.namespace === ns) &&
      (p.labels.app === app || p.labels['app.kubernetes.io/name'] === app || p.name.startsWith(`${app}-`)),
  );
}

export function podTable(pods: readonly PodInfo[]): string {
  const lines = ['NAMESPACE\tNAME\tPHASE\tREADY\tCONTAINERS'];
  for (const p of pods) {
    const containers = p.containers.map((c) => `${c.name}=${c.state}${c.restartCount ? ` (${c.restartCount} restarts)` : ''}`).join('; ');
    lines.push(
      `${p.namespace}\t${p.name}\t${p.phase}\t${p.ready ? 'yes' : 'no'}\t${containers}${p.unscheduled ? `\t${p.unscheduled}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The diagnosis file: what failed, in the order a person reads it (pure). */
export function diagnosisText(outcomes: readonly StepOutcome[], verifications: readonly VerifyOutcome[]): string {
  const parts = ['# meshtrace smoke: diagnosis', ''];
  const bad = outcomes.filter((o) => o.status === 'error' || o.status === 'broken');
  for (const o of bad)
    parts.push(
      `## ${o.status === 'error' ? 'could not run' : 'stack not ready'}: ${describeStep(o.step)[0]}`,
      '',
      '```',
      o.message ?? '',
      '```',
      '',
    );
  for (const v of verifications.filter((x) => !x.passed)) {
    parts.push(`## spec ${v.name} failed (${v.spec})`, '', v.message, '');
    if (v.diagnosis) parts.push(v.diagnosis, '');
    if (v.traceIds.length) parts.push(`trace ids: ${v.traceIds.join(', ')}`, '');
    if (v.failingServices.length) parts.push(`hops blamed: ${v.failingServices.join(', ')} (their logs are under logs/)`, '');
  }
  if (bad.length === 0 && verifications.every((v) => v.passed)) parts.push('no failure recorded');
  return `${parts.join('\n')}\n`;
}

/** Where one collection writes its files, and the problems it met (each part goes on after a failure). */
interface Collection {
  readonly request: CollectRequest;
  readonly write: (rel: string, text: string) => void;
  /** Runs one part; a failure is noted in collection-errors.txt instead of ending the collection. */
  readonly attempt: (what: string, fn: () => Promise<void>) => Promise<void>;
}

async function collectPods({ request, attempt, write }: Collection): Promise<PodInfo[]> {
  const allPods: PodInfo[] = [];
  for (const ns of request.step.namespaces) {
    await attempt(`pods in ${ns}`, async () => {
      allPods.push(...(await request.kube.listPods(ns)));
    });
  }
  write('pods.txt', podTable(allPods));
  return allPods;
}

async function collectEvents({ request, attempt, write }: Collection): Promise<void> {
  const eventLines: string[] = [];
  for (const ns of request.step.namespaces) {
    await attempt(`events in ${ns}`, async () => {
      const events = await request.kube.listEvents(ns);
      // warnings first: they are the ones that explain a Pending or crash-looping pod
      events.sort((a, b) => (a.type === b.type ? a.lastSeen.localeCompare(b.lastSeen) : a.type === 'Warning' ? -1 : 1));
      for (const e of events)
        eventLines.push(`${e.lastSeen}\t${e.namespace}\t${e.type}\t${e.reason}\t${e.object}\t(x${e.count})\t${e.message}`);
    });
  }
  write('events.txt', `${eventLines.join('\n')}\n`);
}

/** Pods whose logs to read: failing hops named by the diagnosis, pods that are not ready, and the Jaeger collector. */
async function podsToLog({ request, attempt }: Collection, allPods: readonly PodInfo[]): Promise<Map<string, PodInfo>> {
  const { kube, step } = request;
  const blamed = request.verifications.flatMap((v) => v.failingServices);
  const logPods = new Map<string, PodInfo>();
  for (const service of blamed) for (const p of podsForService(service, allPods)) logPods.set(`${p.namespace}/${p.name}`, p);
  // a failed spec without a blamed hop (no trace at all, wrong shape): every pod's tail is the best lead
  if (blamed.length === 0 && request.verifications.some((v) => !v.passed))
    for (const p of allPods) logPods.set(`${p.namespace}/${p.name}`, p);
  for (const p of allPods.filter((x) => !x.ready)) logPods.set(`${p.namespace}/${p.name}`, p);
  await attempt('jaeger-collector pods', async () => {
    const svc = await kube.getService(step.collector.namespace, step.collector.service);
    if (!svc) throw new Error(`service ${step.collector.service} not found in ${step.collector.namespace}`);
    const selector = Object.entries(svc.selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    for (const p of await kube.listPods(step.collector.namespace, selector)) logPods.set(`${p.namespace}/${p.name}`, p);
  });
  return logPods;
}

async function collectLogs({ request, attempt, write }: Collection, pods: Iterable<PodInfo>): Promise<void> {
  for (const p of pods) {
    const containers = p.containers.length ? p.containers.map((c) => c.name) : [undefined];
    for (const c of containers) {
      await attempt(`logs of ${p.namespace}/${p.name}${c ? `/${c}` : ''}`, async () => {
        write(posix.join('logs', p.namespace, p.name, `${c ?? 'pod'}.log`), await request.kube.readLog(p.namespace, p.name, c));
      });
    }
  }
}

async function collectCollectorMetrics({ request, attempt, write }: Collection): Promise<void> {
  const collector = request.step.collector;
  await attempt(`collector metrics (${collector.service}:${collector.port})`, async () => {
    const forward = await request.openForward('collector-metrics', collector);
    try {
      const fetchText = request.fetchText ?? (async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text());
      write('collector-span-counters.txt', `${spanCounters(await fetchText(`${forward.url}/metrics`))}\n`);
    } finally {
      await forward.close();
    }
  });
}

/** The listeners of each meshed pod whose logs were read (`istioctl proxy-config`), when the step asks for them. */
async function collectProxyConfig({ request, attempt, write }: Collection, pods: Iterable<PodInfo>): Promise<void> {
  const { step } = request;
  if (!step.istioctl) return;
  const meshPods = [...pods].filter((p) => p.containers.some((c) => c.name === 'istio-proxy'));
  for (const p of meshPods) {
    await attempt(`istioctl proxy-config of ${p.namespace}/${p.name}`, async () => {
      const result = await request.runner.run(
        'istioctl',
        ['proxy-config', 'listener', `${p.name}.${p.namespace}`, '--context', step.context, '--output', 'json'],
        { timeoutMs: 60_000 },
      );
      if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
      write(posix.join('proxy-config', `${p.namespace}.${p.name}.listeners.json`), result.stdout);
    });
  }
}

/** Writes the failure artifacts of a run (diagnosis, pods, events, logs, collector counters, proxy config); returns their paths. */
export async function collectArtifacts(request: CollectRequest): Promise<string[]> {
  const { step } = request;
  const written: string[] = [];
  const errors: string[] = [];
  const collection: Collection = {
    request,
    write: (rel, text) => {
      const path = join(request.root, step.dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      written.push(posix.join(step.dir, rel));
    },
    attempt: async (what, fn) => {
      try {
        await fn();
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
      }
    },
  };
  collection.write('diagnosis.md', diagnosisText(request.outcomes, request.verifications));
  const allPods = await collectPods(collection);
  await collectEvents(collection);
  const logPods = await podsToLog(collection, allPods);
  await collectLogs(collection, logPods.values());
  await collectCollectorMetrics(collection);
  await collectProxyConfig(collection, logPods.values());
  if (errors.length) collection.write('collection-errors.txt', `${errors.join('\n')}\n`);
  return written;
}
