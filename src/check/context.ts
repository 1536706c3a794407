/**
 * The checked folder as one model: every object indexed by kind, namespace and name; installer
 * inputs recognized and the Istio mesh config merged out of them. Built once per check, read by
 * every checker (pure, no I/O).
 */
import type { Finding, ManifestDoc } from './finding';
import {
  asArray,
  asString,
  getPath,
  isRecord,
  kindOf,
  labelsOf,
  nameOf,
  namespaceOf,
  objectRef,
  podTemplateOf,
  stringMap,
  type Obj,
  type PodTemplate,
} from './objects';
import { parseYamlDocument, YAML_LIMITS } from '../yaml/load';

export type InstallInputKind = 'istio-operator' | 'istiod-values' | 'istio-gateway-values' | 'traefik-values' | 'kind-config' | 'unknown';

export interface InstallInput {
  readonly doc: ManifestDoc;
  readonly kind: InstallInputKind;
}

/** Where a mesh setting came from (for findings: file + field). */
export interface Sourced<T> {
  readonly value: T;
  readonly doc: ManifestDoc;
  readonly field: string;
}

export interface ExtensionProvider {
  readonly name: string;
  /** `opentelemetry`, `zipkin`, `datadog`, `skywalking`, … (the key of the oneof). */
  readonly type: string;
  readonly config: Obj;
  readonly doc: ManifestDoc;
  readonly field: string;
}

/** What the installer inputs (or an `istio` ConfigMap) say about the mesh. */
export interface MeshSettings {
  /** True when any Istio installer input or mesh ConfigMap is present: providers are then known. */
  readonly known: boolean;
  readonly providers: ExtensionProvider[];
  readonly defaultTracingProviders: Sourced<string[]>[];
  /** `values.pilot.traceSampling`, istiod `traceSampling`, `PILOT_TRACE_SAMPLING` env, `defaultConfig.tracing.sampling`. */
  readonly sampling: Sourced<number>[];
  readonly profile?: Sourced<string>;
  readonly rootNamespace: string;
}

export interface CheckContext {
  readonly docs: readonly ManifestDoc[];
  readonly install: readonly InstallInput[];
  readonly templates: readonly PodTemplate[];
  readonly mesh: MeshSettings;
  /** Namespaces that appear in the folder (declared or used by an object). */
  readonly namespacesUsed: ReadonlySet<string>;
  byKind(kind: string): ManifestDoc[];
  service(namespace: string, name: string): ManifestDoc | undefined;
  namespaceLabels(namespace: string): Record<string, string>;
  /** Whether Istio injects a sidecar into a pod template: true, false, or undefined (nothing says). */
  isMeshed(template: PodTemplate): boolean | undefined;
  /** Pod templates selected by a Service's selector. */
  podsOfService(service: ManifestDoc): PodTemplate[];
  /** True when the folder shows Istio in use (installer input, Istio objects or an injected namespace). */
  readonly istioInUse: boolean;
  traefikValues(): InstallInput[];
  kindConfigs(): InstallInput[];
}

const TRAEFIK_VALUE_KEYS = [
  'ingressRoute',
  'providers',
  'ports',
  'entryPoints',
  'experimental',
  'ingressClass',
  'logs',
  'additionalArguments',
  'globalArguments',
];
const ISTIOD_VALUE_KEYS = ['meshConfig', 'pilot', 'traceSampling', 'global', 'revision', 'telemetry'];

/** Recognizes an installer input by shape first, then by file name. */
export function classifyInstallInput(doc: ManifestDoc): InstallInputKind {
  const obj = doc.object;
  const kind = kindOf(obj);
  const apiVersion = asString(obj.apiVersion) ?? '';
  if (kind === 'IstioOperator') return 'istio-operator';
  if (kind === 'Cluster' && apiVersion.startsWith('kind.x-k8s.io/')) return 'kind-config';
  if (kind) return 'unknown';
  const base = doc.file.split('/').pop()!.toLowerCase();
  if (base.includes('traefik')) return 'traefik-values';
  // Istio gateway chart values carry no mesh config: recognized, not read.
  if (base.includes('istio') && base.includes('gateway')) return 'istio-gateway-values';
  if (base.includes('istiod') || base.includes('istio')) return 'istiod-values';
  if (base.includes('kind')) return 'kind-config';
  const keys = Object.keys(obj);
  if (keys.some((k) => TRAEFIK_VALUE_KEYS.includes(k)) && !keys.includes('meshConfig')) return 'traefik-values';
  if (keys.some((k) => ISTIOD_VALUE_KEYS.includes(k))) return 'istiod-values';
  return 'unknown';
}

function collectMesh(install: readonly InstallInput[], docs: readonly ManifestDoc[]): MeshSettings {
  const providers: ExtensionProvider[] = [];
  const defaults: Sourced<string[]>[] = [];
  const sampling: Sourced<number>[] = [];
  let profile: Sourced<string> | undefined;
  let rootNamespace = 'istio-system';
  let known = false;

  const readMeshConfig = (meshConfig: unknown, doc: ManifestDoc, base: string): void => {
    if (!isRecord(meshConfig)) return;
    asArray(meshConfig.extensionProviders).forEach((p, i) => {
      if (!isRecord(p)) return;
      const type = Object.keys(p).find((k) => k !== 'name' && isRecord(p[k])) ?? 'unknown';
      providers.push({
        name: String(p.name ?? ''),
        type,
        config: isRecord(p[type]) ? (p[type] as Obj) : {},
        doc,
        field: `${base}.extensionProviders[${i}]`,
      });
    });
    const dp = getPath(meshConfig, 'defaultProviders.tracing');
    if (Array.isArray(dp)) defaults.push({ value: dp.map(String), doc, field: `${base}.defaultProviders.tracing` });
    const s = getPath(meshConfig, 'defaultConfig.tracing.sampling');
    if (typeof s === 'number') sampling.push({ value: s, doc, field: `${base}.defaultConfig.tracing.sampling` });
    if (typeof meshConfig.rootNamespace === 'string') rootNamespace = meshConfig.rootNamespace;
  };
  const readEnvList = (env: unknown, doc: ManifestDoc, base: string): void => {
    asArray(env).forEach((e, i) => {
      if (isRecord(e) && e.name === 'PILOT_TRACE_SAMPLING' && e.value !== undefined)
        sampling.push({ value: Number(e.value), doc, field: `${base}[${i}].value` });
    });
  };
  const readEnvMap = (env: unknown, doc: ManifestDoc, base: string): void => {
    if (isRecord(env) && env.PILOT_TRACE_SAMPLING !== undefined)
      sampling.push({ value: Number(env.PILOT_TRACE_SAMPLING), doc, field: `${base}.PILOT_TRACE_SAMPLING` });
  };

  for (const input of install) {
    const obj = input.doc.object;
    if (input.kind === 'istio-operator') {
      known = true;
      readMeshConfig(getPath(obj, 'spec.meshConfig'), input.doc, 'spec.meshConfig');
      const ts = getPath(obj, 'spec.values.pilot.traceSampling');
      if (ts !== undefined) sampling.push({ value: Number(ts), doc: input.doc, field: 'spec.values.pilot.traceSampling' });
      readEnvMap(getPath(obj, 'spec.values.pilot.env'), input.doc, 'spec.values.pilot.env');
      readEnvList(getPath(obj, 'spec.components.pilot.k8s.env'), input.doc, 'spec.components.pilot.k8s.env');
      const p = getPath(obj, 'spec.profile');
      if (typeof p === 'string') profile = { value: p, doc: input.doc, field: 'spec.profile' };
    } else if (input.kind === 'istiod-values') {
      known = true;
      readMeshConfig(obj.meshConfig, input.doc, 'meshConfig');
      for (const path of ['traceSampling', 'pilot.traceSampling']) {
        const ts = getPath(obj, path);
        if (ts !== undefined) sampling.push({ value: Number(ts), doc: input.doc, field: path });
      }
      readEnvMap(obj.env, input.doc, 'env');
      readEnvMap(getPath(obj, 'pilot.env'), input.doc, 'pilot.env');
      if (typeof obj.profile === 'string') profile = { value: obj.profile, doc: input.doc, field: 'profile' };
    }
  }
  // An `istio` ConfigMap (istio-system) in the manifests carries the mesh config as YAML.
  for (const doc of docs) {
    const obj = doc.object;
    if (kindOf(obj) !== 'ConfigMap' || !/^istio(-.*)?$/.test(nameOf(obj))) continue;
    const mesh = getPath(obj, 'data.mesh');
    if (typeof mesh !== 'string') continue;
    try {
      known = true;
      readMeshConfig(parseYamlDocument(mesh, `${doc.file} data.mesh`, YAML_LIMITS.embedded).value, doc, 'data.mesh');
    } catch {
      // Parse errors of embedded YAML are reported by the xref checker.
    }
  }
  return { known, providers, defaultTracingProviders: defaults, sampling, profile, rootNamespace };
}

export function buildContext(docs: readonly ManifestDoc[], installDocs: readonly ManifestDoc[]): CheckContext {
  const install = installDocs.map((doc) => ({ doc, kind: classifyInstallInput(doc) }));
  const byKind = new Map<string, ManifestDoc[]>();
  const services = new Map<string, ManifestDoc>();
  const namespaces = new Map<string, Obj>();
  const namespacesUsed = new Set<string>();
  const templates: PodTemplate[] = [];
  for (const doc of docs) {
    const kind = kindOf(doc.object);
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(doc);
    if (kind === 'Namespace') {
      namespaces.set(nameOf(doc.object), doc.object);
      namespacesUsed.add(nameOf(doc.object));
    } else if (kind && kind !== 'CustomResourceDefinition' && !kind.startsWith('Cluster')) {
      namespacesUsed.add(namespaceOf(doc.object));
    }
    if (kind === 'Service') services.set(`${namespaceOf(doc.object)}/${nameOf(doc.object)}`, doc);
    const t = podTemplateOf(doc);
    if (t) templates.push(t);
  }
  const mesh = collectMesh(install, docs);
  const namespaceLabels = (ns: string): Record<string, string> => ({
    'kubernetes.io/metadata.name': ns,
    ...labelsOf(namespaces.get(ns) ?? {}),
  });
  const isMeshed = (t: PodTemplate): boolean | undefined => {
    const podSays = t.labels['sidecar.istio.io/inject'] ?? t.annotations['sidecar.istio.io/inject'];
    if (podSays === 'false') return false;
    const nsLabels = namespaces.has(t.namespace) ? namespaceLabels(t.namespace) : undefined;
    if (nsLabels?.['istio-injection'] === 'disabled') return false;
    if (nsLabels && (nsLabels['istio-injection'] === 'enabled' || nsLabels['istio.io/rev'])) return true;
    // The pod label alone triggers injection (the webhook's object selector), whatever the namespace says.
    if (podSays === 'true') return true;
    return nsLabels ? false : undefined;
  };
  const istioObjects = docs.some((d) => /\.istio\.io\//.test(asString(d.object.apiVersion) ?? ''));
  const istioInUse = mesh.known || istioObjects || templates.some((t) => isMeshed(t) === true);
  return {
    docs,
    install,
    templates,
    mesh,
    namespacesUsed,
    byKind: (kind) => byKind.get(kind) ?? [],
    service: (ns, name) => services.get(`${ns}/${name}`),
    namespaceLabels,
    isMeshed,
    podsOfService: (svc) => {
      const selector = getPath(svc.object, 'spec.selector');
      if (!isRecord(selector) || Object.keys(selector).length === 0) return [];
      const ns = namespaceOf(svc.object);
      const sel = stringMap(selector);
      return templates.filter((t) => t.namespace === ns && Object.entries(sel).every(([k, v]) => t.labels[k] === v));
    },
    istioInUse,
    traefikValues: () => install.filter((i) => i.kind === 'traefik-values'),
    kindConfigs: () => install.filter((i) => i.kind === 'kind-config'),
  };
}

/** Namespace Traefik runs in when the values do not say (`namespaceOverride`): the kit installs it into `traefik`. */
export const TRAEFIK_NAMESPACE = 'traefik';

export function traefikNamespace(input: InstallInput): string {
  const override = getPath(input.doc.object, 'namespaceOverride');
  return typeof override === 'string' && override ? override : TRAEFIK_NAMESPACE;
}

/** Helper for checkers: a finding about a document, with file/object filled in. */
export function findingFor(doc: ManifestDoc, f: Omit<Finding, 'file' | 'object'>): Finding {
  const obj = doc.object;
  const hasIdentity = typeof obj.kind === 'string' && obj.kind !== '';
  return { ...f, file: doc.file, object: hasIdentity ? objectRef(obj) : undefined };
}
