/**
 * The names Istio gives a proxy's pieces, which every span of Istio's data plane carries: the
 * proxy's service name (`<app>.<namespace>`), its node id, its clusters (`outbound|9080||<fqdn>`,
 * `inbound|9080||`) and its route decorators (`<host>:<port><path>`, the span names). Pure.
 * Sources: shared/notes/istio.md §1.1, §4 and shared/reference/real-traces/README.md.
 */

/** `<name>.<namespace>.svc.cluster.local`, the host a Kubernetes Service answers to. */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** A proxy's service cluster, the service name of its spans: `<app label>.<namespace>`. */
export function proxyServiceName(app: string, namespace: string): string {
  return `${app}.${namespace}`;
}

/** Cluster of calls to a Service: `outbound|<port>|<subset>|<fqdn>`. */
export function outboundClusterName(port: number, fqdn: string, subset = ''): string {
  return `outbound|${port}|${subset}|${fqdn}`;
}

/** Cluster of a sidecar's calls to its own app: `inbound|<port>||`. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** A route decorator: `<fqdn>:<port><path>`; `/*` for a route with no match, `<prefix>*` for a prefix match. */
export function routeOperation(fqdn: string, port: number, match?: { readonly exact: string } | { readonly prefix: string }): string {
  const path = match === undefined ? '/*' : 'exact' in match ? match.exact : `${match.prefix}*`;
  return `${fqdn}:${port}${path}`;
}

/** Proxy kinds in the node id: sidecars, and gateways (`router`). */
export type ProxyType = 'sidecar' | 'router';

/** `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local`, the `node_id` tag of every span. */
export function nodeId(type: ProxyType, ip: string, pod: string, namespace: string): string {
  return `${type}~${ip}~${pod}.${namespace}~${namespace}.svc.cluster.local`;
}
