/**
 * Issue 15: every profile and every sample config ships NetworkPolicies, and the stack's real flows
 * (spans from sidecars, the gateway, Traefik, HotROD and the relay; query → remote storage;
 * oauth2-proxy → query) are still allowed by them. A deliberately broken policy is caught.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkManifests, formatFinding, type ManifestDoc } from '../../src/check';
import { buildContext } from '../../src/check/context';
import { nameOf, namespaceOf } from '../../src/check/objects';
import { blockedFlows, requiredFlows } from '../../src/check/stack-flows';
import { loadConfig } from '../../src/config/load';
import { PROFILE_NAMES } from '../../src/config/profile-names';
import { REPO_ROOT } from '../../src/paths';
import { buildStack } from '../../src/stack';

type Obj = Record<string, any>;
const SAMPLES = readdirSync(join(REPO_ROOT, 'samples', 'configs')).filter((f) => f.endsWith('.yaml'));
const flowText = (docs: readonly ManifestDoc[], installDocs: readonly ManifestDoc[]) =>
  requiredFlows(buildContext(docs, installDocs)).map(
    (f) => `${f.source.what} -> ${namespaceOf(f.service.object)}/${nameOf(f.service.object)}:${f.servicePort}`,
  );

describe('the stack ships NetworkPolicies and its flows pass them', () => {
  test.each(PROFILE_NAMES)('profile %s: collector and query are guarded, every required flow is allowed', async (profile) => {
    const stack = buildStack(await loadConfig({ profile }));
    const names = stack.docs.filter((d) => d.object.kind === 'NetworkPolicy').map((d) => nameOf(d.object));
    expect(names).toEqual(expect.arrayContaining(['jaeger-collector-ingress', 'jaeger-query-ingress']));
    const ctx = buildContext(stack.docs, stack.installDocs);
    expect(requiredFlows(ctx).length).toBeGreaterThan(0);
    expect(blockedFlows(ctx)).toEqual([]);
  });

  test("lab: the flows listed are the demo apps' real ones", async () => {
    const stack = buildStack(await loadConfig({ profile: 'lab' }));
    expect(flowText(stack.docs, stack.installDocs)).toEqual(
      expect.arrayContaining([
        'istio-proxy of Deployment bookinfo/productpage-v1 -> observability/jaeger-collector:4317',
        'the Istio ingress gateway -> observability/jaeger-collector:4317',
        'Traefik -> observability/jaeger-collector:4317',
        'Deployment hotrod/hotrod -> observability/jaeger-collector:4318',
        'Deployment relay/edge -> observability/jaeger-collector:4318',
        'Deployment observability/jaeger-query -> observability/jaeger-remote-storage:17271',
        'Deployment observability/jaeger-collector -> observability/jaeger-remote-storage:17271',
      ]),
    );
  });

  test.each(SAMPLES)('sample config %s: NetworkPolicies present, no blocked flow', async (file) => {
    const stack = buildStack(await loadConfig({ config: join(REPO_ROOT, 'samples', 'configs', file) }));
    expect(stack.docs.some((d) => d.object.kind === 'NetworkPolicy')).toBe(true);
    expect(
      blockedFlows(buildContext(stack.docs, stack.installDocs)).map(
        (b) => `${b.flow.source.what} -> ${b.pod.namespace}:${b.containerPort}`,
      ),
    ).toEqual([]);
  });

  test('production with the oauth2-proxy: the proxy → query flow is listed and allowed', async () => {
    const stack = buildStack(await loadConfig({ config: join(REPO_ROOT, 'samples', 'configs', 'production-elasticsearch.yaml') }));
    expect(flowText(stack.docs, stack.installDocs)).toContain(
      'Deployment observability/jaeger-ui-oauth2-proxy -> observability/jaeger-query:16686',
    );
  });
});

describe('a broken policy is caught', () => {
  const edit = (docs: readonly ManifestDoc[], name: string, change: (spec: Obj) => void): ManifestDoc[] =>
    docs.map((d) => {
      if (d.object.kind !== 'NetworkPolicy' || nameOf(d.object) !== name) return d;
      const object = structuredClone(d.object) as Obj;
      change(object.spec);
      return { ...d, object };
    });

  test('remote storage no longer admitting query: an error naming source, destination and port', async () => {
    const stack = buildStack(await loadConfig({ profile: 'lab' }));
    const docs = edit(stack.docs, 'jaeger-remote-storage-ingress', (spec) => {
      spec.ingress[0].from = spec.ingress[0].from.filter((p: Obj) => p.podSelector.matchLabels['app.kubernetes.io/component'] !== 'query');
    });
    const errors = (await checkManifests(docs, { installDocs: stack.installDocs })).filter((f) => f.severity === 'error');
    expect(errors.map(formatFinding)).toEqual([
      expect.stringContaining(
        'NetworkPolicy observability/jaeger-remote-storage-ingress: spec.ingress: error [netpol/flow] no NetworkPolicy rule admits Deployment observability/jaeger-query (namespace observability) to Service observability/jaeger-remote-storage on port 17271 (container port 17271 of Deployment observability/jaeger-remote-storage)',
      ),
    ]);
  });

  test('the collector no longer admitting the hotrod namespace: MT011 names HotROD and port 4318', async () => {
    const stack = buildStack(await loadConfig({ profile: 'lab' }));
    const docs = edit(stack.docs, 'jaeger-collector-ingress', (spec) => {
      const values = spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values as string[];
      spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values = values.filter((v) => v !== 'hotrod');
    });
    const errors = (await checkManifests(docs, { installDocs: stack.installDocs })).filter((f) => f.severity === 'error');
    expect(errors.map((f) => [f.rule, f.object, f.field])).toEqual([
      ['MT011', 'NetworkPolicy observability/jaeger-collector-ingress', 'spec.ingress'],
    ]);
    expect(errors[0]!.message).toContain(
      'no NetworkPolicy rule admits Deployment hotrod/hotrod (namespace hotrod) to the collector observability/jaeger-collector on port 4318',
    );
  });

  test('a query policy that lets the oauth2-proxy in no more: the UI flow is reported', async () => {
    const stack = buildStack(await loadConfig({ config: join(REPO_ROOT, 'samples', 'configs', 'production-elasticsearch.yaml') }));
    const docs = edit(stack.docs, 'jaeger-query-ingress', (spec) => {
      spec.ingress = spec.ingress.filter((r: Obj) => !r.from?.some((p: Obj) => p.podSelector));
    });
    const errors = (await checkManifests(docs, { installDocs: stack.installDocs })).filter((f) => f.rule === 'netpol/flow');
    expect(errors.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^no NetworkPolicy rule admits Deployment observability\/jaeger-ui-oauth2-proxy .* to Service observability\/jaeger-query on port 16686/,
      ),
    ]);
  });
});
