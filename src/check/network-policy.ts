/**
 * A small pure evaluator of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1) for one TCP
 * flow between two pods whose namespace and labels are known: is it allowed, and if not, which
 * direction and which policies isolate it.
 *
 * Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * - A pod is isolated for ingress (egress) when a policy of its namespace selects it
 *   (`spec.podSelector`, `{}` = every pod) and lists that direction in `policyTypes`. Without
 *   `policyTypes`, a policy is Ingress, plus Egress when it has an `egress` section.
 * - Policies are additive: an isolated pod admits a flow when any rule of any policy selecting it
 *   allows it; a flow needs the source's egress AND the destination's ingress.
 * - A rule without `from`/`to` admits every peer; without `ports`, every port. A peer with only
 *   `podSelector` means pods of the policy's own namespace; only `namespaceSelector`, every pod of
 *   the matching namespaces (namespaces carry `kubernetes.io/metadata.name`); both, the pods
 *   matching in those namespaces. A named port resolves against the destination pod's container
 *   ports; `endPort` makes a range.
 * - `ipBlock` peers match pod IPs, which are not known offline: they are treated as not matching,
 *   so a flow only they would admit is reported (the safe answer for a check).
 * Traffic from the node itself (kubelet health probes) is always allowed by the documented
 * semantics, and `kubectl port-forward` dials the pod's port from inside its own network namespace
 * (containerd: `localhost:<port>` in the sandbox netns, containerd/cri#691), so neither is a flow here.
 */
import { asArray, getPath, isRecord, namespaceOf, nameOf, selectorMatches, type Obj } from './objects';

export interface PodEndpoint {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the pod's namespace, `kubernetes.io/metadata.name` included. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Named container ports of the pod (for named ports in rules that select it as destination). */
  readonly namedPorts?: ReadonlyMap<string, number>;
}

export type Direction = 'ingress' | 'egress';

export interface FlowVerdict {
  readonly allowed: boolean;
  /** When blocked: the side that blocks and the policies that isolate it there (namespace/name). */
  readonly blockedBy?: { readonly direction: Direction; readonly policies: readonly Obj[] };
}

/** policyTypes as the API server defaults them. */
export function policyTypesOf(policy: Obj): Direction[] {
  const types = asArray(getPath(policy, 'spec.policyTypes')).map(String);
  if (types.length > 0) return types.flatMap((t) => (t === 'Ingress' ? ['ingress' as const] : t === 'Egress' ? ['egress' as const] : []));
  return getPath(policy, 'spec.egress') !== undefined ? ['ingress', 'egress'] : ['ingress'];
}

/** The policies that isolate `pod` for `direction`. */
export function isolatingPolicies(policies: readonly Obj[], pod: PodEndpoint, direction: Direction): Obj[] {
  return policies.filter(
    (p) =>
      namespaceOf(p) === pod.namespace &&
      policyTypesOf(p).includes(direction) &&
      selectorMatches(getPath(p, 'spec.podSelector') ?? {}, { ...pod.labels }),
  );
}

function peerMatches(peer: unknown, policyNamespace: string, other: PodEndpoint): boolean {
  if (!isRecord(peer) || peer.ipBlock !== undefined) return false;
  const nsSel = peer.namespaceSelector;
  const podSel = peer.podSelector;
  if (nsSel === undefined && podSel === undefined) return false;
  const nsOk = nsSel === undefined ? other.namespace === policyNamespace : selectorMatches(nsSel, { ...other.namespaceLabels });
  const podOk = podSel === undefined || selectorMatches(podSel, { ...other.labels });
  return nsOk && podOk;
}

function portMatches(ports: unknown, port: number, protocol: string, destination: PodEndpoint): boolean {
  if (ports === undefined || (Array.isArray(ports) && ports.length === 0)) return true;
  return asArray(ports).some((p) => {
    if (!isRecord(p)) return false;
    if (String(p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.port === port || (typeof p.endPort === 'number' && port >= p.port && port <= p.endPort);
    if (typeof p.port === 'string' && /^\d+$/.test(p.port)) return Number(p.port) === port;
    return destination.namedPorts?.get(String(p.port)) === port;
  });
}

function ruleAllows(
  rule: unknown,
  direction: Direction,
  policyNamespace: string,
  peer: PodEndpoint,
  port: number,
  protocol: string,
  destination: PodEndpoint,
): boolean {
  if (!isRecord(rule)) return false;
  const peers = rule[direction === 'ingress' ? 'from' : 'to'];
  const peerOk =
    peers === undefined ||
    (Array.isArray(peers) && peers.length === 0) ||
    asArray(peers).some((p) => peerMatches(p, policyNamespace, peer));
  return peerOk && portMatches(rule.ports, port, protocol, destination);
}

/** Is `source` → `destination` on the destination's container `port` allowed by `policies`? */
export function evaluateFlow(
  policies: readonly Obj[],
  source: PodEndpoint,
  destination: PodEndpoint,
  port: number,
  protocol = 'TCP',
): FlowVerdict {
  const ingress = isolatingPolicies(policies, destination, 'ingress');
  if (
    ingress.length > 0 &&
    !ingress.some((p) =>
      asArray(getPath(p, 'spec.ingress')).some((r) => ruleAllows(r, 'ingress', namespaceOf(p), source, port, protocol, destination)),
    )
  ) {
    return { allowed: false, blockedBy: { direction: 'ingress', policies: ingress } };
  }
  const egress = isolatingPolicies(policies, source, 'egress');
  if (
    egress.length > 0 &&
    !egress.some((p) =>
      asArray(getPath(p, 'spec.egress')).some((r) => ruleAllows(r, 'egress', namespaceOf(p), destination, port, protocol, destination)),
    )
  ) {
    return { allowed: false, blockedBy: { direction: 'egress', policies: egress } };
  }
  return { allowed: true };
}

/** `ns/name` of policies, for messages. */
export function policyNames(policies: readonly Obj[]): string {
  return policies.map((p) => `${namespaceOf(p)}/${nameOf(p)}`).join(', ');
}
