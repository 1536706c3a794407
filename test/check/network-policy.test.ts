/**
 * The NetworkPolicy evaluator (src/check/network-policy.ts) on the semantics the Kubernetes docs
 * define: isolation by podSelector + policyTypes, additive rules, peers, ports, named ports, egress.
 */
import { evaluateFlow, policyTypesOf, type PodEndpoint } from '../../src/check/network-policy';

type Obj = Record<string, unknown>;
const pod = (namespace: string, labels: Record<string, string>, namedPorts?: Record<string, number>): PodEndpoint => ({
  namespace,
  labels,
  namespaceLabels: { 'kubernetes.io/metadata.name': namespace, ...(namespace === 'apps' ? { team: 'a' } : {}) },
  ...(namedPorts ? { namedPorts: new Map(Object.entries(namedPorts)) } : {}),
});
const policy = (namespace: string, spec: Obj): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: `np-${Math.random().toString(36).slice(2, 6)}`, namespace },
  spec,
});
const collector = pod('obs', { app: 'collector' }, { 'grpc-otlp': 4317 });
const app = pod('apps', { app: 'web' });
const other = pod('other', { app: 'web' });
const fromNs = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });

describe('NetworkPolicy evaluation', () => {
  test('no policy selecting the destination: everything is allowed', () => {
    expect(
      evaluateFlow([policy('obs', { podSelector: { matchLabels: { app: 'query' } }, policyTypes: ['Ingress'] })], app, collector, 4317)
        .allowed,
    ).toBe(true);
  });

  test('an empty ingress list isolates and denies; a rule without from admits every peer', () => {
    const denyAll = policy('obs', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(evaluateFlow([denyAll], app, collector, 4317)).toEqual({
      allowed: false,
      blockedBy: { direction: 'ingress', policies: [denyAll] },
    });
    expect(
      evaluateFlow([denyAll, policy('obs', { podSelector: {}, ingress: [{ ports: [{ port: 4317 }] }] })], app, collector, 4317).allowed,
    ).toBe(true);
  });

  test('namespaceSelector admits the namespace, by kubernetes.io/metadata.name or any namespace label', () => {
    const p = policy('obs', { podSelector: { matchLabels: { app: 'collector' } }, ingress: [{ from: [fromNs('apps')] }] });
    expect(evaluateFlow([p], app, collector, 4317).allowed).toBe(true);
    expect(evaluateFlow([p], other, collector, 4317).allowed).toBe(false);
    const byTeam = policy('obs', {
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] } }] }],
    });
    expect(evaluateFlow([byTeam], app, collector, 4317).allowed).toBe(true);
  });

  test("podSelector alone means the policy's own namespace; both selectors in one peer are AND, two peers OR", () => {
    const own = policy('obs', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] });
    expect(evaluateFlow([own], app, collector, 4317).allowed).toBe(false); // app=web but in namespace apps
    expect(evaluateFlow([own], pod('obs', { app: 'web' }), collector, 4317).allowed).toBe(true);
    const and = policy('obs', {
      podSelector: {},
      ingress: [{ from: [{ ...fromNs('apps'), podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    expect(evaluateFlow([and], app, collector, 4317).allowed).toBe(false);
    const or = policy('obs', { podSelector: {}, ingress: [{ from: [fromNs('apps'), { podSelector: { matchLabels: { app: 'api' } } }] }] });
    expect(evaluateFlow([or], app, collector, 4317).allowed).toBe(true);
  });

  test('ports: number, numeric string, named port of the destination, endPort range, protocol', () => {
    const ports = (p: unknown[]) => policy('obs', { podSelector: {}, ingress: [{ ports: p }] });
    expect(evaluateFlow([ports([{ port: 4318 }])], app, collector, 4317).allowed).toBe(false);
    expect(evaluateFlow([ports([{ port: 'grpc-otlp' }])], app, collector, 4317).allowed).toBe(true);
    expect(evaluateFlow([ports([{ port: 'http-otlp' }])], app, collector, 4317).allowed).toBe(false);
    expect(evaluateFlow([ports([{ port: 4000, endPort: 4400 }])], app, collector, 4317).allowed).toBe(true);
    expect(evaluateFlow([ports([{ protocol: 'UDP', port: 4317 }])], app, collector, 4317).allowed).toBe(false);
  });

  test('policies are additive: one admitting rule of any selecting policy is enough', () => {
    const a = policy('obs', { podSelector: {}, ingress: [{ from: [fromNs('other')] }] });
    const b = policy('obs', {
      podSelector: { matchLabels: { app: 'collector' } },
      ingress: [{ from: [fromNs('apps')], ports: [{ port: 4317 }] }],
    });
    expect(evaluateFlow([a, b], app, collector, 4317).allowed).toBe(true);
    expect(evaluateFlow([a, b], app, collector, 4318)).toEqual({ allowed: false, blockedBy: { direction: 'ingress', policies: [a, b] } });
  });

  test('egress: a policyTypes-less policy with an egress section isolates the source too', () => {
    const egress = policy('apps', { podSelector: {}, egress: [{ to: [fromNs('kube-system')] }] });
    expect(policyTypesOf(egress)).toEqual(['ingress', 'egress']);
    expect(evaluateFlow([egress], app, collector, 4317)).toEqual({
      allowed: false,
      blockedBy: { direction: 'egress', policies: [egress] },
    });
    expect(
      evaluateFlow(
        [egress, policy('apps', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [fromNs('obs')], ports: [{ port: 4317 }] }] })],
        app,
        collector,
        4317,
      ).allowed,
    ).toBe(true);
  });

  test('ipBlock peers never match a pod offline (pod IPs are unknown): the flow is reported', () => {
    const p = policy('obs', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] });
    expect(evaluateFlow([p], app, collector, 4317).allowed).toBe(false);
  });
});
