/**
 * The synthesized manifests against a real Kubernetes control plane (etcd, kube-apiserver and
 * kube-controller-manager of the kind node image's release, no nodes: test/support/kube-control-plane.ts).
 *
 * One API server per file (starting one costs more than most configs); the configs are shared
 * between this file and kube-control-plane-samples.test.ts (test/real/support/kube-apply.ts), so
 * two workers run two API servers side by side. For every profile and every sample config: the lane's own apply step (`kubectl apply --server-side
 * --field-manager=meshtrace`, run by the executor) succeeds, a second one changes nothing, the kit
 * owns the fields it wrote; the controller manager turns each workload into pods and Pod Security
 * admission judges them; every pod template is also judged, by a server-side dry run, at the
 * level the kit claims for it, and `meshtrace check`'s pod-security verdict must agree with the
 * server's. What a config applied is deleted before the next config, with the ReplicaSets, pods
 * and claims the controllers made from it (support/kube-apply.ts clearCase): configs share
 * namespace names, and a leftover Deployment of the previous config would keep old pods and
 * ReplicaSets around, so "every workload of this config got its pods" could not be told apart.
 *
 * The lane's API-only paths run here too: the ownership mark `up` writes and `down` checks, and
 * the API groups the plan takes for built in. Readiness, port-forward and logs need nodes: they
 * stay with the mock API server of test/cluster.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { executePlan } from '../../src/cluster/executor';
import { OWNER_CONFIGMAP, OWNER_NAMESPACE } from '../../src/cluster/marker';
import { BUILT_IN_GROUPS, kubeContext, markerFile, type Step } from '../../src/cluster/plan';
import { checkApiServerRules } from '../../src/check/api-server-check';
import { checkManifests } from '../../src/check/index';
import { podTemplateOf } from '../../src/check/objects';
import { exceptionReason, isKitOwned } from '../../src/check/pod-security';
import { loadConfig } from '../../src/config/load';
import { buildStack } from '../../src/stack/build-stack';
import type { ControlPlane } from '../support/kube-control-plane';
import { explainWithLogs } from '../support/peers';
import {
  applyCase,
  casesOf,
  CLUSTER,
  controlPlane,
  deps,
  JUDGE,
  ok,
  podsOf,
  useControlPlane,
  workDir,
  type Obj,
} from './support/kube-apply';

useControlPlane();
let cp: ControlPlane;
let work: string;
beforeAll(() => {
  cp = controlPlane();
  work = workDir();
});

describe('the real API server', () => {
  test('serves every API group the plan takes for built in (so none of them waits for a CRD)', async () => {
    const { body } = await cp.api('GET', '/apis');
    const served = new Set<string>(['', ...(body.groups as { name: string }[]).map((g) => g.name)]);
    expect([...BUILT_IN_GROUPS].filter((g) => !served.has(g))).toEqual([]);
  });

  test("up marks the cluster and down checks the mark, through the lane's executor and kubectl", async () => {
    const root = mkdtempSync(join(work, 'marker-'));
    const context = kubeContext(CLUSTER);
    const file = markerFile('.meshtrace', CLUSTER);
    const mark: Step = {
      kind: 'mark-cluster',
      clusterName: CLUSTER,
      context,
      markerFile: file,
      why: 'test',
    };
    const check: Step = {
      kind: 'check-owner',
      clusterName: CLUSTER,
      context,
      markerFile: file,
      why: 'test',
    };
    const marked = await executePlan([mark, check], deps(root));
    expect(marked.outcomes.map((o) => [o.status, o.message])).toEqual([
      ['ok', `token written to ${file}`],
      ['ok', 'owner token matches'],
    ]);
    const { body } = await cp.api('GET', `/api/v1/namespaces/${OWNER_NAMESPACE}/configmaps/${OWNER_CONFIGMAP}`);
    expect(body.data.token).toBe('a'.repeat(32));
    // someone else's cluster of the same name: the in-cluster token differs, so down refuses
    ok(
      (
        await cp.api(
          'PATCH',
          `/api/v1/namespaces/${OWNER_NAMESPACE}/configmaps/${OWNER_CONFIGMAP}`,
          { data: { token: 'b'.repeat(32) } },
          'application/merge-patch+json',
        )
      ).status,
      {},
      'patch token',
    );
    const refused = await executePlan([check], deps(root));
    expect(refused.outcomes[0]!.status).toBe('broken');
    expect(refused.outcomes[0]!.message).toMatch(/owner token does not match/);
    ok((await cp.api('DELETE', `/api/v1/namespaces/${OWNER_NAMESPACE}/configmaps/${OWNER_CONFIGMAP}`)).status, {}, 'delete marker');
  });

  describe.each(casesOf(0, 2))('%s', (label, load) => {
    test('applies server-side, re-applies as a no-op, owned by meshtrace, pods admitted at the claimed level', () =>
      applyCase(load, label));
  });

  /** Objects on both sides of each API server rule `check` mirrors: the real server's dry-run create is the oracle. */
  const big = (n: number) => 'x'.repeat(n);
  const ORACLE_CASES: [string, Obj][] = [
    [
      'Service named with a leading digit (refused as DNS-1035 before 1.34)',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: '9svc' }, spec: { ports: [{ port: 80 }] } },
    ],
    ['Service with a good name', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-9' }, spec: { ports: [{ port: 80 }] } }],
    ['Service name with a dot', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a.b' }, spec: { ports: [{ port: 80 }] } }],
    ['ConfigMap with a dotted name (DNS-1123 subdomain)', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a.b.c' } }],
    ['ConfigMap with upper case and "_"', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }],
    [
      'ConfigMap with a 253-character name',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}` },
      },
    ],
    [
      'ConfigMap with a 254-character name',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}` },
      },
    ],
    [
      'Role named with ":" (a path segment)',
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'system:reader' }, rules: [] } as unknown as Obj,
    ],
    [
      'Role named with "/"',
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'a/b' }, rules: [] } as unknown as Obj,
    ],
    ['label value of 63 characters', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l63', labels: { app: 'a'.repeat(63) } } }],
    ['label value of 64 characters', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l64', labels: { app: 'a'.repeat(64) } } }],
    ['label value ending in "-"', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ldash', labels: { app: 'a-' } } }],
    [
      'label key with a prefix and "_"',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lkey', labels: { 'example.com/a_b': 'x' } } },
    ],
    [
      'label key with an upper-case prefix',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lkeyup', labels: { 'Example.com/a': 'x' } } },
    ],
    [
      'annotations just under 256 KiB',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ann-ok', annotations: { a: big(256 * 1024 - 1) } } } as Obj,
    ],
    [
      'annotations just over 256 KiB',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ann-big', annotations: { a: big(256 * 1024) } } } as Obj,
    ],
    [
      'ConfigMap data key with a space',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'key-space' }, data: { 'a b': 'x' } } as Obj,
    ],
    [
      'ConfigMap data of 1 MiB less one key byte',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'data-ok' }, data: { k: big(1024 * 1024 - 1) } } as Obj,
    ],
    [
      'ConfigMap data over 1 MiB',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'data-big' }, data: { k: big(1024 * 1024) } } as Obj,
    ],
  ];

  test.each(ORACLE_CASES)("check's API server rules agree with the real server: %s", async (_what, obj) => {
    const ns = JUDGE.baseline;
    const group = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const plural = `${obj.kind.toLowerCase()}s`;
    const r = await cp.api('POST', `${group}/namespaces/${ns}/${plural}?dryRun=All`, {
      ...obj,
      metadata: { ...obj.metadata, namespace: ns },
    });
    if (![200, 201, 413, 422].includes(r.status))
      throw new Error(`not a validation verdict: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
    const serverRefuses = r.status >= 400;
    const findings = checkApiServerRules([
      {
        file: 'case.yaml',
        index: 0,
        object: { ...obj, metadata: { ...obj.metadata, namespace: ns } } as unknown as Record<string, unknown>,
      },
    ]).filter((f) => f.severity === 'error');
    const server = serverRefuses ? `refuses it: ${String(r.body?.message ?? JSON.stringify(r.body)).slice(0, 300)}` : 'admits it';
    const checkRefuses = findings.length > 0;
    if (checkRefuses !== serverRefuses)
      throw new Error(
        `check ${checkRefuses ? `refuses it (${findings.map((f) => `${f.rule}: ${f.message}`).join('; ')})` : 'admits it'}, but the real API server ${server}`,
      );
    expect(checkRefuses).toBe(serverRefuses);
  });

  test("a weakened kit pod is refused with Pod Security admission's own message, and check refuses it too", async () => {
    await explainWithLogs(cp.peers, async () => {
      const built = buildStack(await loadConfig({ profile: 'lab' }));
      const doc = built.docs.find(
        (d) => d.object.kind === 'Deployment' && podTemplateOf(d) && isKitOwned(podTemplateOf(d)!) && !exceptionReason(podTemplateOf(d)!),
      );
      if (!doc) throw new Error('the lab profile has no kit-owned Deployment');
      const weakened = structuredClone(doc.object) as unknown as Obj;
      const container = weakened.spec.template.spec.containers[0];
      container.securityContext = {
        ...container.securityContext,
        allowPrivilegeEscalation: true,
      };
      const ns = JUDGE.restricted;
      weakened.metadata = {
        name: `${weakened.metadata.name}-weakened`,
        namespace: ns,
        labels: weakened.metadata.labels,
      };
      const r = await cp.api(
        'PATCH',
        `/apis/apps/v1/namespaces/${ns}/deployments/${weakened.metadata.name}?fieldManager=meshtrace&force=true`,
        weakened,
        'application/apply-patch+yaml',
      );
      ok(r.status, r.body, 'apply the weakened Deployment');
      const result = await podsOf(weakened);
      expect(result.created).toBe(0);
      // the refusal comes from the ReplicaSet controller's create, so the message is the admission's own
      expect(result.refused).toContain('violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false');
      expect(result.refused).toContain(`container "${container.name}" must set securityContext.allowPrivilegeEscalation=false`);
      const findings = await checkManifests([
        {
          file: doc.file,
          index: 0,
          object: weakened as unknown as Record<string, unknown>,
        },
      ]);
      expect(findings.filter((f) => f.rule.startsWith('pod-security') && f.severity === 'error').map((f) => f.rule)).toContain(
        'pod-security/allow-privilege-escalation',
      );
    });
  });
});
