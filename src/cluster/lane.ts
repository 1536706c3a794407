/**
 * The edge between the CLI and the pure plan: finds the tools, the cluster's state and the
 * synthesized files, and turns them into a `LaneInput`. Every effect goes through a seam.
 */
import { posix } from 'node:path';
import type { ClusterState, DistLayout, LaneInput, SmokeTarget } from './plan';
import { ISTIO_INGRESS, markerFile } from './plan';
import type { ProcessRunner } from './runner';
import type { DetectedTools } from './tools';
import { detectTools } from './tools';
import { listKindClusters, readMarker } from './marker';
import { DEFAULT_VERSIONS } from './versions';
import type { LaneVersions } from './versions';

export interface LaneOptions {
  readonly profile: string;
  readonly configFile?: string;
  /** @default 'meshtrace' */
  readonly clusterName?: string;
  /** @default 'dist' */
  readonly distDir?: string;
  /** @default '.meshtrace' */
  readonly stateDir?: string;
  readonly versions?: Partial<LaneVersions>;
  readonly istioInstaller?: 'auto' | 'istioctl' | 'helm';
  readonly istioRequests?: 'demo' | 'chart';
  readonly waitTimeoutSeconds?: number;
}

export const DEFAULT_CLUSTER_NAME = 'meshtrace';

/** Whether the cluster exists and whether this kit's marker for it is present. */
export async function clusterState(
  runner: ProcessRunner,
  tools: DetectedTools,
  root: string,
  stateDir: string,
  name: string,
): Promise<ClusterState> {
  const ownedByKit = readMarker(root, markerFile(stateDir, name)) !== undefined;
  if (!tools.kind.found || tools.kind.problem)
    return { exists: false, ownedByKit, unknown: tools.kind.found ? `kind is unusable: ${tools.kind.problem}` : 'kind is not installed' };
  if (!tools.docker.found || tools.docker.problem)
    return { exists: false, ownedByKit, unknown: tools.docker.found ? 'the Docker daemon is not reachable' : 'docker is not installed' };
  const clusters = await listKindClusters(runner);
  return { exists: clusters.includes(name), ownedByKit };
}

export interface LaneContext {
  readonly input: LaneInput;
  readonly tools: DetectedTools;
}

/** Builds the plan input from the tools found, the cluster state and the given dist layout. */
export async function gatherLaneInput(runner: ProcessRunner, root: string, options: LaneOptions, dist: DistLayout): Promise<LaneContext> {
  const tools = await detectTools(runner);
  const stateDir = options.stateDir ?? '.meshtrace';
  const clusterName = options.clusterName ?? DEFAULT_CLUSTER_NAME;
  const cluster = await clusterState(runner, tools, root, stateDir, clusterName);
  return {
    tools,
    input: {
      profile: options.profile,
      configFile: options.configFile,
      clusterName,
      versions: { ...DEFAULT_VERSIONS, ...options.versions },
      tools,
      cluster,
      dist,
      stateDir,
      istioInstaller: options.istioInstaller,
      istioRequests: options.istioRequests,
      waitTimeoutSeconds: options.waitTimeoutSeconds,
    },
  };
}

/** Entry port of a relay hop (src/constructs/relay: RELAY_PORT). */
const RELAY_ENTRY_PORT = 8080;
/** First hop of the default relay chain (`edge → a → b`). */
const RELAY_ENTRY_HOP = 'edge';

/**
 * The shipped specs and how the smoke test reaches each entry point (istio.md §5, traefik-kind.md §4):
 * Bookinfo through the Istio ingress gateway, HotROD through Traefik's web entry point with the
 * Host its router matches, the relay chain through its first hop.
 */
export function defaultSmokeTargets(
  expectationsDir = 'samples/expectations',
  traefikNamespace = 'traefik',
  relayNamespace = 'relay',
): SmokeTarget[] {
  return [
    { name: 'bookinfo', spec: posix.join(expectationsDir, 'bookinfo.yaml'), entry: ISTIO_INGRESS, path: '/productpage' },
    {
      name: 'hotrod',
      spec: posix.join(expectationsDir, 'hotrod.yaml'),
      entry: { namespace: traefikNamespace, service: 'traefik', port: 80 },
      path: '/dispatch?customer=123',
      headers: { Host: 'hotrod.localhost' },
    },
    {
      name: 'relay-chain',
      spec: posix.join(expectationsDir, 'relay-chain.yaml'),
      entry: { namespace: relayNamespace, service: RELAY_ENTRY_HOP, port: RELAY_ENTRY_PORT },
      path: '/',
    },
  ];
}

/** The workload whose presence in the synthesized stack means a target can run. */
const TARGET_WORKLOAD: Readonly<Record<string, string>> = { bookinfo: 'productpage-v1', hotrod: 'hotrod', 'relay-chain': RELAY_ENTRY_HOP };

/**
 * The targets this profile's stack can serve (a profile without HotROD has nothing to drive
 * there), with the relay namespace taken from the manifests. Skipped ones are named with why (pure).
 */
export function smokeTargetsFor(
  dist: DistLayout,
  expectationsDir = 'samples/expectations',
  traefikNamespace = 'traefik',
): { targets: SmokeTarget[]; skipped: string[] } {
  const relay = dist.workloads.find((w) => w.name === RELAY_ENTRY_HOP);
  const all = defaultSmokeTargets(expectationsDir, traefikNamespace, relay?.namespace ?? 'relay');
  const targets: SmokeTarget[] = [];
  const skipped: string[] = [];
  for (const t of all) {
    const needed = TARGET_WORKLOAD[t.name];
    const workload = needed ? dist.workloads.find((w) => w.name === needed) : undefined;
    if (needed && !workload) skipped.push(`${t.name}: not in this stack (no Deployment ${needed} in ${dist.dir}/), spec not run`);
    else if (t.name === 'hotrod' && dist.routes && workload && !dist.routes.some((r) => r.namespace === workload.namespace)) {
      // the smoke request goes through Traefik: without a route to HotROD it could only 404
      skipped.push(
        `hotrod: Traefik has no route to HotROD in this stack (no IngressRoute or Ingress in namespace ${workload.namespace}; hotrod.ingress.kind: none), spec not run`,
      );
    } else targets.push(t);
  }
  return { targets, skipped };
}
