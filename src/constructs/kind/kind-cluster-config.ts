/**
 * The kind cluster config (`dist/install/kind.yaml`): one control-plane node, pinned node image,
 * and `extraPortMappings` that publish the synthesized NodePorts (Traefik web, Istio ingress
 * gateway, optionally Jaeger query) on 127.0.0.1 of the host. A pure builder: props in, plain
 * object out; `renderKindClusterConfig` adds a comment per mapping.
 *
 * Why NodePort + extraPortMappings: deterministic, no LoadBalancer component (cloud-provider-kind,
 * MetalLB), works on Docker Desktop where node IPs are unreachable. kind's rule is that
 * `containerPort` (on the node) must equal the Service's `nodePort`.
 *
 * @see https://kind.sigs.k8s.io/docs/user/configuration/#extra-port-mappings
 * @see shared/notes/traefik-kind.md §5
 */
import { toYaml } from '../../yaml/dump';
import { NODE_PORT_RANGE } from '../traefik/traefik-v3-values';

/**
 * kind v0.32.0's default node image, pinned by digest as kind's release notes ask (an image built
 * for another kind release may not boot). Digest from kind v0.32.0 pkg/apis/config/defaults/image.go.
 */
export const DEFAULT_KIND_NODE_IMAGE = 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';
/** kind release the node image belongs to. */
export const KIND_VERSION = 'v0.32.0';
export const KIND_CONFIG_API_VERSION = 'kind.x-k8s.io/v1alpha4';
export const DEFAULT_KIND_CLUSTER_NAME = 'meshtrace';
/** File name under `dist/`. */
export const KIND_CONFIG_FILE = 'install/kind.yaml';

export interface KindPortMappingProps {
  /** What the port is for, written as a comment, e.g. `traefik web`. */
  readonly name: string;
  /** The Service nodePort; kind publishes it from the node container (`containerPort`). */
  readonly nodePort: number;
  /** Port on the host (what users open, e.g. 8000 for http://hotrod.localhost:8000). */
  readonly hostPort: number;
  /** Host address to bind. @default '127.0.0.1' (never expose lab services on every interface) */
  readonly listenAddress?: string;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface KindClusterConfigProps {
  /** Cluster name (`kind create cluster --name`). @default 'meshtrace' */
  readonly name?: string;
  /**
   * Node image. Keep the digest: kind only guarantees images built for its own release.
   * @default 'kindest/node:v1.36.1@sha256:3489c767…' (kind v0.32.0 default)
   * @see https://github.com/kubernetes-sigs/kind/releases/tag/v0.32.0
   */
  readonly nodeImage?: string;
  /** NodePort mappings on the control-plane node (where kind publishes ports). @default [] */
  readonly portMappings?: readonly KindPortMappingProps[];
  /** Extra worker nodes. @default 0 (a single node fits 2-CPU CI runners) */
  readonly workers?: number;
}

export interface KindPortMapping {
  readonly containerPort: number;
  readonly hostPort: number;
  readonly listenAddress: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface KindNode {
  readonly role: 'control-plane' | 'worker';
  readonly image: string;
  readonly extraPortMappings?: readonly KindPortMapping[];
}

export interface KindClusterConfig {
  readonly kind: 'Cluster';
  readonly apiVersion: typeof KIND_CONFIG_API_VERSION;
  readonly name: string;
  readonly nodes: readonly KindNode[];
}

export function buildKindClusterConfig(props: KindClusterConfigProps = {}): KindClusterConfig {
  const name = props.name ?? DEFAULT_KIND_CLUSTER_NAME;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 50) {
    throw new Error(
      `kind: name ${JSON.stringify(name)} is not a valid cluster name (lower-case letters, digits and '-', at most 50 characters)`,
    );
  }
  const image = props.nodeImage ?? DEFAULT_KIND_NODE_IMAGE;
  if (!/^[\w./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(image) || !(image.includes(':') || image.includes('@'))) {
    throw new Error(`kind: nodeImage ${JSON.stringify(image)} is not a pinned image reference; use e.g. ${DEFAULT_KIND_NODE_IMAGE}`);
  }
  const workers = props.workers ?? 0;
  if (!(Number.isInteger(workers) && workers >= 0 && workers <= 10)) {
    throw new Error(`kind: workers ${workers} must be an integer from 0 to 10`);
  }
  const mappings = (props.portMappings ?? []).map(toMapping);
  assertUnique(mappings, props.portMappings ?? []);
  const controlPlane: KindNode = { role: 'control-plane', image, ...(mappings.length > 0 ? { extraPortMappings: mappings } : {}) };
  const workerNodes: KindNode[] = Array.from({ length: workers }, () => ({ role: 'worker', image }));
  return { kind: 'Cluster', apiVersion: KIND_CONFIG_API_VERSION, name, nodes: [controlPlane, ...workerNodes] };
}

function toMapping(p: KindPortMappingProps): KindPortMapping {
  const what = `kind port mapping "${p.name}"`;
  if (!(Number.isInteger(p.nodePort) && p.nodePort >= NODE_PORT_RANGE.min && p.nodePort <= NODE_PORT_RANGE.max)) {
    throw new Error(
      `${what}: nodePort ${p.nodePort} is outside the NodePort range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}; containerPort must equal the Service's nodePort`,
    );
  }
  if (!(Number.isInteger(p.hostPort) && p.hostPort >= 1 && p.hostPort <= 65535)) {
    throw new Error(`${what}: hostPort ${p.hostPort} must be an integer port 1..65535`);
  }
  const listenAddress = p.listenAddress ?? '127.0.0.1';
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(listenAddress) && !/^[0-9a-fA-F:]+$/.test(listenAddress)) {
    throw new Error(`${what}: listenAddress ${JSON.stringify(listenAddress)} must be an IP address such as 127.0.0.1`);
  }
  const protocol = p.protocol ?? 'TCP';
  if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) {
    throw new Error(`${what}: protocol ${JSON.stringify(protocol)} must be TCP, UDP or SCTP`);
  }
  return { containerPort: p.nodePort, hostPort: p.hostPort, listenAddress, protocol };
}

function assertUnique(mappings: readonly KindPortMapping[], props: readonly KindPortMappingProps[]): void {
  const seenNode = new Map<string, string>();
  const seenHost = new Map<string, string>();
  mappings.forEach((m, i) => {
    const name = props[i]!.name;
    const nodeKey = `${m.containerPort}/${m.protocol}`;
    const hostKey = `${m.listenAddress}:${m.hostPort}/${m.protocol}`;
    if (seenNode.has(nodeKey))
      throw new Error(
        `kind port mappings "${seenNode.get(nodeKey)}" and "${name}" both use nodePort ${m.containerPort}; each Service needs its own node port`,
      );
    if (seenHost.has(hostKey))
      throw new Error(`kind port mappings "${seenHost.get(hostKey)}" and "${name}" both bind host ${hostKey}; pick another hostPort`);
    seenNode.set(nodeKey, name);
    seenHost.set(hostKey, name);
  });
}

/** The comment block at the top of kind.yaml: how to create the cluster, what each mapping is for. */
export function kindConfigHeader(config: KindClusterConfig, mappingNames: readonly string[] = []): string {
  const mappings = config.nodes[0]?.extraPortMappings ?? [];
  return (
    [
      `# kind cluster config written by meshtrace (kind ${KIND_VERSION}).`,
      `#   kind create cluster --config dist/${KIND_CONFIG_FILE}`,
      '# Each extraPortMappings containerPort equals a synthesized Service nodePort:',
      ...mappings.map(
        (m, i) =>
          `#   ${m.listenAddress}:${m.hostPort} -> node ${m.containerPort}/${m.protocol}${mappingNames[i] ? `  (${mappingNames[i]})` : ''}`,
      ),
      '# Generated file: edit the meshtrace config and re-run `npm run synth` instead.',
    ].join('\n') + '\n'
  );
}

/** Renders the config as YAML with the header. */
export function renderKindClusterConfig(config: KindClusterConfig, mappingNames: readonly string[] = []): string {
  return `${kindConfigHeader(config, mappingNames)}${toYaml(config)}`;
}
