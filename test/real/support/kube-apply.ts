/**
 * The shared part of the real-control-plane suites (test/real/kube-control-plane*.test.ts): one
 * control plane per test file, the CRDs, the judge namespaces and the per-config check. Each file
 * takes a share of the configs, so two jest workers run two control planes side by side (a case
 * waits on the controllers and kubectl more than it computes). See kube-control-plane.test.ts for
 * what is checked and why.
 */
import { jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { executePlan, type ExecutorDeps } from '../../../src/cluster/executor';
import { readDistLayout } from '../../../src/cluster/dist-layout';
import { ClientNodeKube } from '../../../src/cluster/kube';
import { ISTIO_NAMESPACE, kubeContext, planUp, type ApplyStep } from '../../../src/cluster/plan';
import { ExecaRunner } from '../../../src/cluster/runner';
import { checkManifests } from '../../../src/check/index';
import { objectRef, podTemplateOf } from '../../../src/check/objects';
import { exceptionReason, isKitOwned } from '../../../src/check/pod-security';
import { loadConfig } from '../../../src/config/load';
import type { MeshtraceConfig } from '../../../src/config/schema';
import { REPO_ROOT } from '../../../src/paths';
import { buildStack } from '../../../src/stack/build-stack';
import { laneInput } from '../../cluster/support/fixtures';
import { startControlPlane, type ControlPlane } from '../../support/kube-control-plane';
import { explainWithLogs, peerPath, waitFor } from '../../support/peers';

const CRDS = join(REPO_ROOT, '..', 'shared', 'reference', 'crds');
const SAMPLES = join(REPO_ROOT, 'samples', 'configs');
export const CLUSTER = 'meshtrace';
const samples = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
export const CASES: [string, () => Promise<MeshtraceConfig>][] = [
  ...(['lab', 'ci', 'production'] as const).map((p): [string, () => Promise<MeshtraceConfig>] => [
    `profile ${p}`,
    () => loadConfig({ profile: p }),
  ]),
  ...samples.map((s): [string, () => Promise<MeshtraceConfig>] => [`samples/configs/${s}`, () => loadConfig({ config: join(SAMPLES, s) })]),
];

/** Namespaces for the dry-run judge, one per level, labelled the way admission reads them. */
export const JUDGE = {
  restricted: 'meshtrace-judge-restricted',
  baseline: 'meshtrace-judge-baseline',
} as const;

let cp: ControlPlane;
/** The file's control plane (started by useControlPlane's beforeAll). */
export const controlPlane = (): ControlPlane => cp;
/** The file's scratch folder. */
export const workDir = (): string => work;
const runner = new ExecaRunner();
const logs: string[] = [];
let work: string;

export function deps(root: string): ExecutorDeps {
  return {
    runner,
    kubeFor: () => new ClientNodeKube(cp.config),
    root,
    log: (l) => logs.push(l),
    synthDone: true,
    newToken: () => 'a'.repeat(32),
  };
}

async function kubectl(args: readonly string[]): Promise<string> {
  const r = await runner.run('kubectl', ['--context', cp.context, ...args], {
    timeoutMs: 120_000,
  });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

export function ok(status: number, body: unknown, what: string): void {
  if (status < 200 || status >= 300) throw new Error(`${what}: HTTP ${status}: ${JSON.stringify(body)}`);
}

async function setUp(): Promise<void> {
  cp = await startControlPlane({ context: kubeContext(CLUSTER) });
  // the lane's runner starts `kubectl` from PATH with the caller's environment: the pinned one, this API server
  process.env.KUBECONFIG = cp.kubeconfig;
  process.env.PATH = `${dirname(peerPath('kubectl'))}:${process.env.PATH}`;
  work = mkdtempSync(join(tmpdir(), 'meshtrace-kube-'));
  await explainWithLogs(cp.peers, async () => {
    for (const dir of readdirSync(CRDS)
      .filter((d) => !d.endsWith('.md'))
      .sort())
      await kubectl(['apply', '--server-side', '-f', join(CRDS, dir)]);
    await waitFor(
      'every CRD Established',
      async () => {
        const { body } = await cp.api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
        const items = (body.items ?? []) as {
          status?: { conditions?: { type: string; status: string }[] };
        }[];
        return items.length > 0 && items.every((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))
          ? true
          : undefined;
      },
      120_000,
      250,
    );
    for (const [level, ns] of Object.entries(JUDGE)) {
      const r = await cp.api('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: { 'pod-security.kubernetes.io/enforce': level },
        },
      });
      ok(r.status, r.body, `create namespace ${ns}`);
      // the ServiceAccount admission refuses pods until the controller made "default"
      await waitFor(
        `serviceaccount default in ${ns}`,
        async () => ((await cp.api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200 ? true : undefined),
        60_000,
        200,
      );
    }
    await controlApplies();
  });
}

/**
 * Kinds whose second, identical server-side apply still bumps the resourceVersion on this server,
 * found by applying a minimal upstream-shaped object of the CRD kinds in question twice (no kit
 * field involved). Only these are excused from the resourceVersion check, and only when nothing
 * else about the object changed.
 */
const rewrittenOnIdenticalApply = new Set<string>();

async function controlApplies(): Promise<void> {
  const ns = JUDGE.baseline;
  const minimal: Obj[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'control', namespace: ns },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'control', namespace: ns },
      spec: { parentRefs: [{ name: 'control' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] },
    },
  ];
  for (const o of minimal) {
    const path = `/apis/${o.apiVersion}/namespaces/${ns}/${o.kind.toLowerCase()}s/${o.metadata.name}?fieldManager=meshtrace-control`;
    const first = await cp.api('PATCH', path, o, 'application/apply-patch+yaml');
    ok(first.status, first.body, `control apply ${o.kind}`);
    const second = await cp.api('PATCH', path, o, 'application/apply-patch+yaml');
    ok(second.status, second.body, `control re-apply ${o.kind}`);
    if (second.body.metadata.resourceVersion !== first.body.metadata.resourceVersion) rewrittenOnIdenticalApply.add(o.kind);
  }
  console.log(`kinds the server rewrites on an identical apply: ${[...rewrittenOnIdenticalApply].join(', ') || 'none'}`);
}

/** Starts the file's control plane before its tests (CRDs, judge namespaces) and stops it after. */
export function useControlPlane(): void {
  jest.setTimeout(600_000);
  beforeAll(setUp);
  afterAll(async () => {
    await cp?.stop();
  });
}

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
  spec?: any;
  status?: any;
}

function appliedObjects(root: string, files: readonly string[]): Obj[] {
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(root, f), 'utf8'))
      .map((d) => d.toJSON() as Obj | null)
      .filter((o): o is Obj => !!o && typeof o.kind === 'string'),
  );
}

const refOf = (o: Obj) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Every applied object as the server holds it (`kubectl get -f`: one call, the same files). */
async function serverObjects(root: string): Promise<Map<string, Obj>> {
  const list = JSON.parse(await kubectl(['get', '-f', join(root, 'dist'), '--show-managed-fields', '-o', 'json'])) as {
    items?: Obj[];
  } & Obj;
  const items = list.items ?? [list];
  return new Map(items.map((o) => [refOf(o), o]));
}

/**
 * The Pod a template would become, in `namespace`, the way its controller makes it: its own
 * ServiceAccount is not there ("default" stands in), and a StatefulSet's volumeClaimTemplates become
 * persistentVolumeClaim volumes (claim `<template>-<set>-0`, as the StatefulSet controller names them).
 */
function podFrom(
  name: string,
  template: {
    owner: Record<string, unknown>;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    spec: Record<string, unknown>;
  },
  namespace: string,
) {
  const { serviceAccountName: _sa, serviceAccount: _legacy, ...spec } = template.spec as Record<string, unknown>;
  const owner = template.owner as { metadata?: { name?: string }; spec?: { volumeClaimTemplates?: { metadata?: { name?: string } }[] } };
  const claims = (owner.spec?.volumeClaimTemplates ?? []).map((c) => ({
    name: c.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: `${c.metadata?.name}-${owner.metadata?.name}-0` },
  }));
  const volumes = [...((spec.volumes as unknown[] | undefined) ?? []), ...claims];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: template.labels, annotations: template.annotations },
    spec: { ...spec, ...(volumes.length ? { volumes } : {}) },
  };
}

/** Admission's verdict on a pod, by a server-side dry run: undefined when admitted, else its message. */
async function admissionRefusal(pod: ReturnType<typeof podFrom>): Promise<string | undefined> {
  const r = await cp.api('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods?dryRun=All`, pod);
  if (r.status === 201 || r.status === 200) return undefined;
  if (r.status === 403) return String(r.body?.message ?? JSON.stringify(r.body));
  throw new Error(`dry-run pod ${pod.metadata.name}: HTTP ${r.status} (not an admission verdict): ${JSON.stringify(r.body)}`);
}

/** Polls a workload until the controllers created its pods, or one was refused (the refusal's message). */
export async function podsOf(o: Obj): Promise<{ created: number; refused?: string }> {
  const ns = o.metadata.namespace ?? 'default';
  const want = o.kind === 'StatefulSet' ? Math.min(1, o.spec?.replicas ?? 1) : (o.spec?.replicas ?? 1);
  return waitFor(
    `pods of ${refOf(o)}`,
    async () => {
      const path = `/apis/apps/v1/namespaces/${ns}/${o.kind === 'Deployment' ? 'deployments' : 'statefulsets'}/${o.metadata.name}`;
      const { body } = await cp.api('GET', path);
      const failure = (body.status?.conditions ?? []).find(
        (c: { type: string; status: string }) => c.type === 'ReplicaFailure' && c.status === 'True',
      );
      if (failure)
        return {
          created: body.status?.replicas ?? 0,
          refused: String(failure.message),
        };
      // settled: the controller saw this generation, made the pods, and wrote that they are not available (no nodes)
      const st = body.status ?? {};
      const settled =
        st.observedGeneration === body.metadata?.generation &&
        (st.replicas ?? 0) >= want &&
        (o.kind === 'Deployment'
          ? st.unavailableReplicas === want && (st.conditions ?? []).some((c: { type: string }) => c.type === 'Available')
          : (st.updatedReplicas ?? 0) >= want && !!st.updateRevision);
      if (settled) return { created: st.replicas as number };
      if (o.kind === 'StatefulSet') {
        const { body: events } = await cp.api(
          'GET',
          `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.uid=${body.metadata?.uid},reason=FailedCreate`,
        );
        const e = (events.items ?? [])[0];
        if (e) return { created: 0, refused: String(e.message) };
      }
      return undefined;
    },
    60_000,
    250,
  );
}

/** Which parts of an object differ (for a failure message): `spec`, `status`, `metadata.managedFields`, … */
function whatChanged(a: Obj, b: Obj | undefined): string {
  if (!b) return 'gone';
  const parts: string[] = [];
  const { resourceVersion: _a, ...ma } = a.metadata as Record<string, unknown>;
  const { resourceVersion: _b, ...mb } = b.metadata as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ma), ...Object.keys(mb)]))
    if (JSON.stringify(ma[k]) !== JSON.stringify(mb[k])) parts.push(`metadata.${k} ${JSON.stringify(ma[k])} → ${JSON.stringify(mb[k])}`);
  for (const k of ['spec', 'status', 'data'] as const) {
    const x = JSON.stringify((a as unknown as Record<string, unknown>)[k]);
    const y = JSON.stringify((b as unknown as Record<string, unknown>)[k]);
    if (x !== y) parts.push(`${k} ${x} → ${y}`);
  }
  return parts.join('; ') || 'only the resourceVersion';
}

/**
 * Leaves the cluster as the next config would find a fresh one, without deleting namespaces: the
 * namespace controller waits a fixed 5 s (`namespaceDeletionGracePeriod`, upstream) before it even
 * starts on a deleted namespace, which was half of every case's time. Instead every object the
 * config applied is deleted, then in its namespaces what the controllers made from them (ReplicaSets,
 * pods, a StatefulSet's claims) and the events that tell of it, until no workload, pod or claim is
 * left (foreground propagation took 26 s for the same, the garbage collector's queue). The emptied namespaces stay: the next
 * config's own Namespace objects are applied over them by the same field manager (so their labels
 * are exactly that config's), and an installer's namespace is stripped of labels (installerNamespace).
 */
async function clearCase(root: string, files: readonly string[], namespaces: readonly string[]): Promise<void> {
  const objects = appliedObjects(root, files).filter((o) => o.kind !== 'Namespace');
  const list = join(root, 'delete.json');
  writeFileSync(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  // kubectl's own --wait took 6 s for what is gone in 0.2 s; the collections below do the cascade at once
  await kubectl(['delete', '-f', list, '--cascade=background', '--wait=false', '--ignore-not-found']);
  await waitFor(
    'every object the config applied gone',
    async () => ((await kubectl(['get', '-f', list, '--ignore-not-found', '-o', 'name'])).trim() === '' ? true : undefined),
    120_000,
    100,
  );
  const present: string[] = [];
  for (const ns of namespaces) if ((await cp.api('GET', `/api/v1/namespaces/${ns}`)).status === 200) present.push(ns);
  for (const ns of present) {
    for (const collection of [
      'apis/apps/v1/namespaces/NS/replicasets',
      'api/v1/namespaces/NS/pods',
      'api/v1/namespaces/NS/persistentvolumeclaims',
      'api/v1/namespaces/NS/events',
    ])
      ok((await cp.api('DELETE', `/${collection.replace('NS', ns)}`)).status, {}, `delete ${collection.replace('NS', ns)}`);
  }
  const left = async (ns: string) => {
    const kinds = [
      '/apis/apps/v1/namespaces/NS/deployments',
      '/apis/apps/v1/namespaces/NS/statefulsets',
      '/apis/apps/v1/namespaces/NS/replicasets',
      '/api/v1/namespaces/NS/pods',
      '/api/v1/namespaces/NS/persistentvolumeclaims',
    ];
    const counts = await Promise.all(
      kinds.map(async (k) => ((await cp.api('GET', k.replace('NS', ns))).body.items ?? []).length as number),
    );
    return counts.reduce((a, b) => a + b, 0);
  };
  await waitFor(
    `no workload, pod or claim left in ${present.join(', ')}`,
    async () => ((await Promise.all(present.map(left))).every((n) => n === 0) ? true : undefined),
    120_000,
    100,
  );
}

/**
 * A namespace one of `up`'s installers (the Istio and Traefik charts, --create-namespace) would
 * create: created bare, or, left by an earlier config that declared it, stripped of its labels, so
 * that no Pod Security level of that config judges this one's pods.
 */
async function installerNamespace(name: string): Promise<void> {
  const created = await cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (created.status !== 409) return ok(created.status, created.body, `create ${name}`);
  const { body } = await cp.api('GET', `/api/v1/namespaces/${name}`);
  const extra = Object.keys(body.metadata?.labels ?? {}).filter((k) => k !== 'kubernetes.io/metadata.name');
  if (extra.length === 0) return;
  const patch = { metadata: { labels: Object.fromEntries(extra.map((k) => [k, null])) } };
  const r = await cp.api('PATCH', `/api/v1/namespaces/${name}`, patch, 'application/merge-patch+json');
  ok(r.status, r.body, `strip the labels of ${name}`);
}

/** One config's dist/ through the lane's apply step, twice, with its pods and pod templates judged (see the file comment). */
async function applyAndJudge(
  apply: ApplyStep,
  built: ReturnType<typeof buildStack>,
  root: string,
  dist: ReturnType<typeof readDistLayout>,
): Promise<void> {
  const { body: groups } = await cp.api('GET', '/apis');
  const served = new Set<string>(['', ...(groups.groups as { name: string }[]).map((g) => g.name)]);
  expect((dist.apiGroups ?? []).filter((g) => !served.has(g))).toEqual([]);

  // namespaces the objects use but do not create come from the installers `up` runs before the
  // apply (the Istio and Traefik charts, --create-namespace); anything else would fail `up`
  const declared = new Set(
    appliedObjects(root, dist.manifests)
      .filter((o) => o.kind === 'Namespace')
      .map((o) => o.metadata.name),
  );
  const fromInstallers = (dist.namespaces ?? []).filter((n) => !declared.has(n));
  expect(fromInstallers.filter((n) => n !== ISTIO_NAMESPACE && n !== 'traefik')).toEqual([]);
  for (const n of fromInstallers) await installerNamespace(n);

  const first = await executePlan([apply], deps(root));
  expect([first.exitCode, first.outcomes[0]!.message]).toEqual([0, undefined]);
  const objects = appliedObjects(root, apply.files);
  const applied = await serverObjects(root);
  expect(objects.filter((o) => !applied.has(refOf(o))).map(refOf)).toEqual([]);
  // every object carries the kit's field manager, as an Apply
  const notOwned = [...applied.values()]
    .filter((o) => !o.metadata.managedFields?.some((m) => m.manager === 'meshtrace' && m.operation === 'Apply'))
    .map(refOf);
  expect(notOwned).toEqual([]);

  // the controllers made pods; admission let every one in under its namespace's label
  const workloads = objects.filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && (o.spec?.replicas ?? 1) > 0);
  const results = await Promise.all(workloads.map(async (o) => [refOf(o), await podsOf(o)] as const));
  expect(results.filter(([, r]) => r.refused !== undefined).map(([ref, r]) => `${ref}: ${r.refused}`)).toEqual([]);

  // the controllers have written the workloads' status by now; from here only an apply that changed something would bump a resourceVersion
  const before = await serverObjects(root);
  const second = await executePlan([apply], deps(root));
  expect(second.exitCode).toBe(0);
  const after = await serverObjects(root);
  const changed = [...before.entries()]
    .filter(([ref, o]) => after.get(ref)?.metadata.resourceVersion !== o.metadata.resourceVersion)
    // a kind the server rewrites on any identical apply (the control in beforeAll) is held to "nothing but the resourceVersion changed"
    .filter(([ref, o]) => !(rewrittenOnIdenticalApply.has(o.kind) && whatChanged(o, after.get(ref)) === 'only the resourceVersion'))
    .map(([ref, o]) => `${ref}: ${whatChanged(o, after.get(ref))}`);
  expect(changed).toEqual([]);

  // every pod template, judged at the level the kit claims; check's verdict must be the server's
  const findings = await checkManifests(built.docs);
  const verdicts: {
    ref: string;
    claimed: string;
    server: string | undefined;
    check: string[];
  }[] = [];
  for (const doc of built.docs) {
    const t = podTemplateOf(doc);
    if (!t) continue;
    const claimed = isKitOwned(t) && !exceptionReason(t) ? 'restricted' : 'baseline';
    const ref = refOf(doc.object as unknown as Obj);
    const server = await admissionRefusal(podFrom(`judge-${verdicts.length}`, t, JUDGE[claimed]));
    const check = findings
      .filter(
        (f) => f.rule.startsWith('pod-security') && f.severity === 'error' && f.file === doc.file && f.object === objectRef(doc.object),
      )
      .map((f) => `${f.rule}: ${f.message}`);
    verdicts.push({ ref, claimed, server, check });
  }
  expect(verdicts.length).toBeGreaterThan(0);
  const refusedByServer = verdicts.filter((v) => v.server !== undefined).map((v) => `${v.ref} (${v.claimed}): ${v.server}`);
  expect(refusedByServer).toEqual([]);
  // the oracle: check finds a pod-security error exactly where the server refuses
  expect(verdicts.filter((v) => v.check.length > 0).map((v) => `${v.ref}: ${v.check.join('; ')}`)).toEqual([]);
}

/** One config, start to end: synthesized, applied and judged (applyAndJudge), what it applied deleted after (clearCase). */
export async function applyCase(load: () => Promise<MeshtraceConfig>, label: string): Promise<void> {
  await explainWithLogs(cp.peers, async () => {
    const config = await load();
    const built = buildStack(config);
    const root = mkdtempSync(join(work, 'case-'));
    for (const f of built.files) {
      mkdirSync(dirname(join(root, 'dist', f.path)), { recursive: true });
      writeFileSync(join(root, 'dist', f.path), f.content);
    }
    const dist = readDistLayout(root, 'dist');
    const apply = planUp(laneInput({ profile: config.profile ?? 'lab', dist })).find((s): s is ApplyStep => s.kind === 'apply');
    if (!apply) throw new Error(`${label}: the up plan has no apply step`);
    try {
      await applyAndJudge(apply, built, root, dist);
    } finally {
      await clearCase(root, apply.files, dist.namespaces ?? []);
    }
  });
}

/** The configs of shard `index` of `count` (every count-th, so each shard gets profiles and samples alike). */
export function casesOf(index: number, count: number): [string, () => Promise<MeshtraceConfig>][] {
  return CASES.filter((_, i) => i % count === index);
}
