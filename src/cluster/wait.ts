/**
 * Waiting for Deployments/StatefulSets with progress, and saying why when they never get ready.
 * `readiness` is pure (the rules of `kubectl rollout status`); `waitForWorkloads` polls the
 * Kubernetes seam with an injectable clock so tests run fast against a loopback API server.
 */
import type { WorkloadRef } from './plan';
import type { KubeApi, PodInfo, WorkloadStatus } from './kube';

export interface Readiness {
  readonly ready: boolean;
  /** e.g. `1/2 ready`, `rollout in progress: 1 of 2 updated`, `not found`. */
  readonly detail: string;
}

/** Ready = the controller saw the current spec and every desired replica is updated and ready. */
export function readiness(status: WorkloadStatus | undefined): Readiness {
  if (!status) return { ready: false, detail: 'not found' };
  if (status.observedGeneration < status.generation) return { ready: false, detail: 'controller has not observed the latest spec yet' };
  const want = status.replicas;
  if (status.updatedReplicas < want) return { ready: false, detail: `rollout in progress: ${status.updatedReplicas} of ${want} updated` };
  if (status.kind === 'Deployment') {
    if (status.currentReplicas > status.updatedReplicas)
      return { ready: false, detail: `${status.currentReplicas - status.updatedReplicas} old replicas pending termination` };
    if (status.availableReplicas < want) return { ready: false, detail: `${status.availableReplicas}/${want} available` };
  } else if (status.updateRevision && status.currentRevision !== status.updateRevision) {
    return { ready: false, detail: `revision ${status.updateRevision} rolling out` };
  }
  if (status.readyReplicas < want) return { ready: false, detail: `${status.readyReplicas}/${want} ready` };
  return { ready: true, detail: `${status.readyReplicas}/${want} ready` };
}

/** Why the pods of a workload are not ready, from their container states (pure). */
export function podProblems(pods: readonly PodInfo[]): string[] {
  const problems: string[] = [];
  for (const pod of pods) {
    if (pod.ready) continue;
    if (pod.unscheduled) {
      problems.push(`pod ${pod.name}: ${pod.unscheduled}`);
      continue;
    }
    const bad = pod.containers.filter((c) => !c.ready);
    if (bad.length === 0) problems.push(`pod ${pod.name}: phase ${pod.phase}`);
    for (const c of bad)
      problems.push(`pod ${pod.name} container ${c.name}: ${c.state}${c.restartCount ? `, ${c.restartCount} restarts` : ''}`);
  }
  return problems;
}

export interface WaitProgress {
  readonly ready: number;
  readonly total: number;
  /** The workload that just became ready. */
  readonly justReady?: WorkloadRef;
  readonly elapsedMs: number;
}

export interface NotReady {
  readonly workload: WorkloadRef;
  readonly detail: string;
  /** Pod-level reasons (image pulls, crash loops, scheduling). */
  readonly pods: readonly string[];
}

export interface WaitResult {
  readonly ok: boolean;
  readonly elapsedMs: number;
  readonly notReady: readonly NotReady[];
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** @default 2000 */
  readonly intervalMs?: number;
  readonly onProgress?: (progress: WaitProgress) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function key(w: WorkloadRef): string {
  return `${w.kind}/${w.namespace}/${w.name}`;
}

/**
 * Polls until every workload is ready or the time is up. API errors are not swallowed: a
 * cluster that cannot be reached rejects (the caller reports "could not check").
 */
export async function waitForWorkloads(kube: KubeApi, workloads: readonly WorkloadRef[], options: WaitOptions): Promise<WaitResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const interval = options.intervalMs ?? 2000;
  const start = now();
  const pending = new Map(workloads.map((w) => [key(w), w]));
  const last = new Map<string, { status?: WorkloadStatus; readiness: Readiness }>();
  let ready = 0;
  options.onProgress?.({ ready, total: workloads.length, elapsedMs: 0 });
  for (;;) {
    for (const [k, w] of [...pending]) {
      const status = await kube.getWorkload(w);
      const r = readiness(status);
      last.set(k, { status, readiness: r });
      if (r.ready) {
        pending.delete(k);
        ready += 1;
        options.onProgress?.({ ready, total: workloads.length, justReady: w, elapsedMs: now() - start });
      }
    }
    const elapsedMs = now() - start;
    if (pending.size === 0) return { ok: true, elapsedMs, notReady: [] };
    if (elapsedMs >= options.timeoutMs) {
      const notReady: NotReady[] = [];
      for (const [k, w] of pending) {
        const seen = last.get(k);
        const pods = seen?.status?.podSelector ? podProblems(await kube.listPods(w.namespace, seen.status.podSelector)) : [];
        notReady.push({ workload: w, detail: seen?.readiness.detail ?? 'not checked', pods });
      }
      return { ok: false, elapsedMs, notReady };
    }
    await sleep(Math.min(interval, Math.max(0, options.timeoutMs - elapsedMs)));
  }
}

/** Human-readable summary of a failed wait. */
export function describeNotReady(result: WaitResult): string {
  const lines = [`${result.notReady.length} workload(s) not ready after ${Math.round(result.elapsedMs / 1000)}s:`];
  for (const n of result.notReady) {
    lines.push(`  ${n.workload.kind.toLowerCase()}/${n.workload.name} -n ${n.workload.namespace}: ${n.detail}`);
    for (const p of n.pods) lines.push(`    ${p}`);
  }
  return lines.join('\n');
}
