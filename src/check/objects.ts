/**
 * Small pure helpers over plain Kubernetes objects (as parsed from YAML): references, pod specs,
 * containers, label selectors and in-cluster host names. Every checker shares these.
 */
import type { ManifestDoc } from './finding';

export type Obj = Record<string, unknown>;

export function isRecord(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

/** Reads a dotted path (`spec.template.spec`) from an object; undefined when any step is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function kindOf(obj: Obj): string {
  return asString(obj.kind) ?? '';
}

export function nameOf(obj: Obj): string {
  return asString(getPath(obj, 'metadata.name')) ?? '';
}

/** Cluster-scoped kinds that carry no namespace (the ones a tracing stack uses). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'PriorityClass',
  'StorageClass',
  'PersistentVolume',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'GatewayClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'RuntimeClass',
  'Node',
  'Cluster',
]);

export function isClusterScoped(obj: Obj): boolean {
  return CLUSTER_SCOPED.has(kindOf(obj));
}

/** Namespace of a namespaced object; `default` when unset, as kubectl applies it. */
export function namespaceOf(obj: Obj): string {
  return asString(getPath(obj, 'metadata.namespace')) ?? 'default';
}

/** `Kind ns/name` (or `Kind name` for cluster-scoped objects): how findings name an object. */
export function objectRef(obj: Obj): string {
  const kind = kindOf(obj) || '<no kind>';
  const name = nameOf(obj) || '<no name>';
  return isClusterScoped(obj) ? `${kind} ${name}` : `${kind} ${namespaceOf(obj)}/${name}`;
}

export function labelsOf(obj: Obj): Record<string, string> {
  return stringMap(getPath(obj, 'metadata.labels'));
}

export function annotationsOf(obj: Obj): Record<string, string> {
  return stringMap(getPath(obj, 'metadata.annotations'));
}

/** A pod template found in a workload (or a bare Pod), with the path of its pod spec. */
export interface PodTemplate {
  readonly doc: ManifestDoc;
  readonly owner: Obj;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: Obj;
  /** Dotted path of `spec` inside the owner, e.g. `spec.template.spec`. */
  readonly specPath: string;
  readonly replicas: number;
}

const TEMPLATE_PATHS: Record<string, string> = {
  Deployment: 'spec.template',
  StatefulSet: 'spec.template',
  DaemonSet: 'spec.template',
  ReplicaSet: 'spec.template',
  ReplicationController: 'spec.template',
  Job: 'spec.template',
  CronJob: 'spec.jobTemplate.spec.template',
};

export function podTemplateOf(doc: ManifestDoc): PodTemplate | undefined {
  const obj = doc.object;
  const kind = kindOf(obj);
  let templatePath: string | undefined;
  let template: unknown;
  if (kind === 'Pod') {
    templatePath = '';
    template = obj;
  } else if (TEMPLATE_PATHS[kind]) {
    templatePath = TEMPLATE_PATHS[kind];
    template = getPath(obj, templatePath);
  }
  if (templatePath === undefined || !isRecord(template) || !isRecord(template.spec)) return undefined;
  const replicasValue = getPath(obj, 'spec.replicas');
  return {
    doc,
    owner: obj,
    namespace: namespaceOf(obj),
    labels: labelsOf(template),
    annotations: annotationsOf(template),
    spec: template.spec,
    specPath: templatePath ? `${templatePath}.spec` : 'spec',
    replicas: typeof replicasValue === 'number' ? replicasValue : kind === 'DaemonSet' ? 1 : 1,
  };
}

export interface ContainerRef {
  readonly container: Obj;
  /** e.g. `spec.template.spec.containers[0]` */
  readonly path: string;
  readonly name: string;
  readonly image: string;
}

export function containersOf(
  template: PodTemplate,
  lists: readonly string[] = ['initContainers', 'containers', 'ephemeralContainers'],
): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of lists) {
    asArray(template.spec[list]).forEach((c, i) => {
      if (isRecord(c))
        out.push({
          container: c,
          path: `${template.specPath}.${list}[${i}]`,
          name: asString(c.name) ?? '',
          image: asString(c.image) ?? '',
        });
    });
  }
  return out;
}

/** Env vars of a container with literal values (valueFrom is not resolvable offline). */
export function envOf(container: Obj): { name: string; value: string; index: number }[] {
  const out: { name: string; value: string; index: number }[] = [];
  asArray(container.env).forEach((e, index) => {
    if (isRecord(e) && typeof e.name === 'string' && e.value !== undefined && e.value !== null)
      out.push({ name: e.name, value: String(e.value), index });
  });
  return out;
}

/** True when `labels` satisfies a Kubernetes label selector (matchLabels + matchExpressions, or a plain map). */
export function selectorMatches(selector: unknown, labels: Record<string, string>, plainMap = false): boolean {
  if (!isRecord(selector)) return false;
  if (plainMap) return Object.entries(stringMap(selector)).every(([k, v]) => labels[k] === v);
  const matchLabels = stringMap(selector.matchLabels);
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  for (const expr of asArray(selector.matchExpressions)) {
    if (!isRecord(expr)) continue;
    const key = String(expr.key);
    const values = asArray(expr.values).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** An endpoint written as `host:port`, `scheme://host:port/path` or `${env:X:-host}:port`. */
export interface Endpoint {
  readonly scheme?: string;
  readonly host: string;
  readonly port?: number;
  readonly path?: string;
}

export function parseEndpoint(value: string): Endpoint | undefined {
  const text = value.trim();
  if (!text) return undefined;
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?(\[[^\]]*\]|[^:/?#]*)(?::(\d+))?(\/[^?#]*)?(?:[?#].*)?$/.exec(text);
  if (!m) {
    // `${env:JAEGER_LISTEN_HOST:-localhost}:4317`: keep host as written, read the port.
    const env = /^(\$\{[^}]*\})(?::(\d+))?$/.exec(text);
    return env ? { host: env[1]!, port: env[2] ? Number(env[2]) : undefined } : undefined;
  }
  return { scheme: m[1]?.toLowerCase(), host: m[2] ?? '', port: m[3] ? Number(m[3]) : undefined, path: m[4] };
}

/**
 * Resolves an in-cluster DNS name to a Service reference: `svc`, `svc.ns`, `svc.ns.svc`,
 * `svc.ns.svc.cluster.local`. Undefined for names that are not cluster-local (external hosts, IPs).
 */
export function serviceOfHost(
  host: string,
  fromNamespace: string,
): { name: string; namespace: string; form: 'short' | 'ns' | 'svc' | 'fqdn' } | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!h || /^[\d.]+$/.test(h) || h.includes('$') || h === 'localhost') return undefined;
  const parts = h.split('.');
  if (parts.length === 1) return { name: parts[0]!, namespace: fromNamespace, form: 'short' };
  if (parts.length === 2) return { name: parts[0]!, namespace: parts[1]!, form: 'ns' };
  if (parts.length === 3 && parts[2] === 'svc') return { name: parts[0]!, namespace: parts[1]!, form: 'svc' };
  if (parts.length >= 5 && parts[2] === 'svc' && parts.slice(3).join('.') === 'cluster.local')
    return { name: parts[0]!, namespace: parts[1]!, form: 'fqdn' };
  return undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.startsWith('127.') ||
    h === '::1' ||
    (/\$\{env:[^}]*:-localhost\}/.test(host) && !/JAEGER_LISTEN_HOST/.test(host))
  );
}

/** `--flag value` and `--flag=value` pairs of a container's command + args, with the index of the value. */
export function argFlagsOf(container: Obj): { flag: string; value: string; index: number; list: 'command' | 'args' }[] {
  const out: { flag: string; value: string; index: number; list: 'command' | 'args' }[] = [];
  for (const list of ['command', 'args'] as const) {
    const items = asArray(container[list]).map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : ''));
    items.forEach((item, i) => {
      const eq = /^(--?[A-Za-z][\w.-]*)=(.*)$/.exec(item);
      if (eq) out.push({ flag: eq[1]!, value: eq[2]!, index: i, list });
      else if (/^--?[A-Za-z][\w.-]*$/.test(item) && i + 1 < items.length && !items[i + 1]!.startsWith('-'))
        out.push({ flag: item, value: items[i + 1]!, index: i + 1, list });
    });
  }
  return out;
}
