/**
 * Reads what synth wrote (`dist/` + `dist/install/`) into the `DistLayout` the plan needs.
 * The parsing (`layoutFromFiles`) is pure; `readDistLayout` is the file-system edge.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseYamlDocuments, readYamlFile, YAML_LIMITS, YamlInputError } from '../yaml/load';
import type { DistLayout, ServiceRef, WorkloadRef } from './plan';
import { traefikChartForValues } from '../constructs/traefik/traefik-values';
import { asArray, getPath } from '../check/objects';

/** A file's path as printed (relative, posix) and its text. */
export interface DistFile {
  readonly path: string;
  readonly text: string;
}

/** The extensions `kubectl apply -f <dir>` reads (kubectl's resource builder). */
const APPLIED_EXTENSIONS = ['.yaml', '.yml', '.json'];

function isApplied(name: string): boolean {
  return APPLIED_EXTENSIONS.some((ext) => name.endsWith(ext));
}

interface K8sObject {
  kind?: unknown;
  apiVersion?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}

function parseDocs(file: DistFile): K8sObject[] {
  try {
    return parseYamlDocuments(file.text, file.path, YAML_LIMITS.manifests)
      .map((d) => d.value)
      .filter((d): d is K8sObject => typeof d === 'object' && d !== null && !Array.isArray(d));
  } catch (err) {
    // The loader's message already names the file, the line and what is allowed.
    if (err instanceof YamlInputError) throw new Error(err.message);
    throw err;
  }
}

/**
 * Builds the layout from the files of `dir` (top level, applied by kubectl) and `dir/install`
 * (installer inputs). Installer files are recognized by content where they have a kind
 * (kind's Cluster, IstioOperator) and by name where they are plain Helm values.
 */
export function layoutFromFiles(dir: string, manifests: readonly DistFile[], installFiles: readonly DistFile[]): DistLayout {
  const sorted = [...manifests].filter((f) => isApplied(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const workloads: WorkloadRef[] = [];
  const services: ServiceRef[] = [];
  const routes: ServiceRef[] = [];
  const namespaces = new Set<string>();
  const apiGroups = new Set<string>();
  for (const file of sorted) {
    for (const doc of parseDocs(file)) {
      if (typeof doc.apiVersion === 'string') apiGroups.add(apiGroupOf(doc.apiVersion));
      const name = typeof doc.metadata?.name === 'string' ? doc.metadata.name : undefined;
      const ns = typeof doc.metadata?.namespace === 'string' ? doc.metadata.namespace : undefined;
      if (doc.kind === 'Namespace' && name) namespaces.add(name);
      if (ns) namespaces.add(ns);
      if ((doc.kind === 'Deployment' || doc.kind === 'StatefulSet') && name) {
        // objects without a namespace land in "default" (kubectl apply without -n)
        workloads.push({ kind: doc.kind, namespace: ns ?? 'default', name });
      }
      if (doc.kind === 'Service' && name) services.push({ namespace: ns ?? 'default', name });
      if ((doc.kind === 'IngressRoute' || doc.kind === 'Ingress') && name) routes.push({ namespace: ns ?? 'default', name });
    }
  }
  let kindConfig: string | undefined;
  let kindNodeImage: string | undefined;
  let istioOperator: string | undefined;
  let istiodValues: string | undefined;
  let istioGatewayValues: string | undefined;
  let traefikValues: string | undefined;
  for (const file of [...installFiles].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const base = posix.basename(file.path);
    if (!/\.ya?ml$/.test(base)) continue;
    const docs = parseDocs(file);
    const kindDoc = docs.find((d) => d.kind === 'Cluster' && typeof d.apiVersion === 'string' && d.apiVersion.startsWith('kind.x-k8s.io/'));
    if (kindDoc) {
      if (!kindConfig) {
        kindConfig = file.path;
        const image = (kindDoc as { nodes?: { image?: unknown }[] }).nodes?.[0]?.image;
        if (typeof image === 'string') kindNodeImage = image;
      }
    } else if (docs.some((d) => d.kind === 'IstioOperator')) istioOperator ??= file.path;
    else if (/istiod/.test(base)) istiodValues ??= file.path;
    else if (/istio.*gateway|gateway.*istio/.test(base)) istioGatewayValues ??= file.path;
    else if (/traefik/.test(base)) traefikValues ??= file.path;
  }
  const hostPorts = kindHostPorts(installFiles, { kindConfig, traefikValues, istioGatewayValues });
  const traefikFile = traefikValues ? installFiles.find((f) => f.path === traefikValues) : undefined;
  const traefikChart = traefikFile ? traefikChartForValues(parseDocs(traefikFile)[0]).version : undefined;
  return {
    dir,
    apiGroups: [...apiGroups].sort(),
    ...(traefikChart ? { traefikChart } : {}),
    manifests: sorted.map((f) => f.path),
    ...(hostPorts ? { hostPorts } : {}),
    kindConfig,
    kindNodeImage,
    istioOperator,
    istiodValues,
    istioGatewayValues,
    traefikValues,
    workloads,
    services,
    routes,
    namespaces: [...namespaces].sort(),
  };
}

/** The API group of an `apiVersion` (`apps/v1` → `apps`; the core group `v1` → ''). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** NodePorts of the entry points (Traefik web, Istio gateway http2) mapped to host ports by kind.yaml (pure). */
function kindHostPorts(
  files: readonly DistFile[],
  found: { kindConfig?: string; traefikValues?: string; istioGatewayValues?: string },
): { traefikWeb?: number; istioIngressHttp?: number } | undefined {
  const doc = (path: string | undefined): unknown => {
    const file = path ? files.find((f) => f.path === path) : undefined;
    return file ? parseDocs(file)[0] : undefined;
  };
  const kind = doc(found.kindConfig);
  if (kind === undefined) return undefined;
  const hostPortOf = (nodePort: unknown): number | undefined => {
    if (typeof nodePort !== 'number') return undefined;
    for (const node of asArray(getPath(kind, 'nodes'))) {
      for (const m of asArray(getPath(node, 'extraPortMappings'))) {
        const hostPort = getPath(m, 'hostPort');
        if (getPath(m, 'containerPort') === nodePort && typeof hostPort === 'number') return hostPort;
      }
    }
    return undefined;
  };
  const traefikWeb = hostPortOf(getPath(doc(found.traefikValues), 'ports.web.nodePort'));
  const gatewayPorts = asArray(getPath(doc(found.istioGatewayValues), 'service.ports'));
  const istioIngressHttp = hostPortOf(
    getPath(
      gatewayPorts.find((p) => getPath(p, 'name') === 'http2' || getPath(p, 'port') === 80),
      'nodePort',
    ),
  );
  return { ...(traefikWeb ? { traefikWeb } : {}), ...(istioIngressHttp ? { istioIngressHttp } : {}) };
}

/**
 * Reads `<root>/<dir>` from disk. `dir` is what the plan prints (relative to `root`, usually
 * the working directory). A missing folder gives an empty layout (the plan reports what is missing).
 */
export function readDistLayout(root: string, dir: string): DistLayout {
  const abs = join(root, dir);
  const read = (sub: string): DistFile[] => {
    const folder = join(abs, sub);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((name) => statSync(join(folder, name)).isFile())
      .map((name) => {
        const path = posix.join(dir, sub, name);
        return { path, text: readYamlFile(join(folder, name), YAML_LIMITS.manifests, path) };
      });
  };
  return layoutFromFiles(dir, read(''), read('install'));
}
