/**
 * The kit's deliberate overrides of cdk8s-plus defaults, in one place, for every workload any
 * area synthesizes (Jaeger, Bookinfo, HotROD, relay …).
 *
 * cdk8s-plus defaults we replace, and why:
 * - `replicas: 2` → 1 unless asked: a laptop kind node runs ~15 demo pods.
 * - `imagePullPolicy: Always` → `IfNotPresent`: kind nodes get images through `kind load`, and every
 *   tag is pinned, so a re-pull can only waste time or fail offline.
 * - resources 1 CPU/512Mi requests → explicit requests AND limits per workload (passing `resources`
 *   to cdk8s-plus replaces both, so both are always given).
 * - `runAsNonRoot` without a UID → a numeric `runAsUser`/`runAsGroup` (the kubelet cannot verify a
 *   non-numeric USER, and HotROD has none at all).
 * - no seccomp, no capability drop → `seccompProfile: RuntimeDefault` (pod AND container level, so an
 *   injected istio-proxy is covered too) and `capabilities.drop: [ALL]`: Pod Security `restricted`.
 * - the `cdk8s.io/metadata.addr` selector label → explicit app labels, so upstream apps keep their
 *   selectors and Services can be checked against them.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';

/**
 * Requests and limits of one container as Kubernetes quantities. Both are always emitted: passing
 * only one to cdk8s-plus replaces both with its defaults.
 */
export interface ResourceQuantities {
  /** CPU request, e.g. `100m` or `0.5`. */
  readonly cpuRequest: string;
  /** CPU limit, e.g. `1`. */
  readonly cpuLimit: string;
  /** Memory request: a whole number of `Mi` or `Gi`, e.g. `128Mi`. */
  readonly memoryRequest: string;
  /** Memory limit: a whole number of `Mi` or `Gi`, e.g. `512Mi`. */
  readonly memoryLimit: string;
}

/** A key of a Kubernetes Secret in the workload's namespace: credentials enter manifests only as references. */
export interface SecretKeyRef {
  /** Secret name. */
  readonly name: string;
  /** Key inside the Secret's data. */
  readonly key: string;
}

/** UID/GID for images that do not set a numeric USER (distroless "nonroot"). */
export const DEFAULT_NON_ROOT_UID = 65532;

/** Converts `100m` / `0.5` / `1` to a cdk8s-plus Cpu. */
export function cpu(quantity: string): kplus.Cpu {
  if (quantity.endsWith('m')) return kplus.Cpu.millis(Number(quantity.slice(0, -1)));
  return kplus.Cpu.units(Number(quantity));
}

/** Converts `128Mi` / `1Gi` to a cdk8s Size. */
export function memory(quantity: string): Size {
  const amount = Number(quantity.slice(0, -2));
  if (quantity.endsWith('Gi')) return Size.gibibytes(amount);
  if (quantity.endsWith('Mi')) return Size.mebibytes(amount);
  throw new Error(`memory quantity ${JSON.stringify(quantity)} is not supported; allowed: a whole number of Mi or Gi`);
}

/** cdk8s-plus resources with both requests and limits set. */
export function containerResources(r: ResourceQuantities): kplus.ContainerResources {
  return {
    cpu: { request: cpu(r.cpuRequest), limit: cpu(r.cpuLimit) },
    memory: { request: memory(r.memoryRequest), limit: memory(r.memoryLimit) },
  };
}

export interface ContainerDefaultsOptions {
  /** Requests and limits (both are always emitted). */
  readonly resources: ResourceQuantities;
  /**
   * Numeric UID the container runs as.
   * @default 65532
   */
  readonly user?: number;
  /**
   * Numeric GID.
   * @default - same as `user`
   */
  readonly group?: number;
  /**
   * Read-only root filesystem; turn off only for images that write outside their volumes, with
   * the reason in a comment at the call site.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/** The part of `ContainerProps` every kit container shares: pull policy, resources, restricted security context. */
export function containerDefaults(
  options: ContainerDefaultsOptions,
): Pick<kplus.ContainerProps, 'imagePullPolicy' | 'resources' | 'securityContext'> {
  const user = options.user ?? DEFAULT_NON_ROOT_UID;
  return {
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    resources: containerResources(options.resources),
    securityContext: {
      ensureNonRoot: true,
      user,
      group: options.group ?? user,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
      capabilities: { drop: [kplus.Capability.ALL] },
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    },
  };
}

export interface PodDefaultsOptions {
  /** @default 65532 */
  readonly user?: number;
  /** @default - same as `user` */
  readonly group?: number;
  /** @default - same as `group` */
  readonly fsGroup?: number;
  /**
   * Mount the ServiceAccount token; none of the kit's pods call the API server.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
}

/** The part of `DeploymentProps`/`StatefulSetProps` every kit workload shares. */
export function podDefaults(
  options: PodDefaultsOptions = {},
): Pick<kplus.DeploymentProps, 'securityContext' | 'automountServiceAccountToken' | 'select' | 'spread' | 'isolate'> {
  const user = options.user ?? DEFAULT_NON_ROOT_UID;
  const group = options.group ?? user;
  return {
    securityContext: {
      ensureNonRoot: true,
      user,
      group,
      fsGroup: options.fsGroup ?? group,
      fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
    },
    automountServiceAccountToken: options.automountServiceAccountToken ?? false,
    // Selection by explicit app labels (see `selectByLabels`), never by the generated address label.
    select: false,
    spread: false,
    isolate: false,
  };
}

/**
 * Selects the workload's pods by `labels` (also set on the pod template) and sets the pod-level
 * seccomp profile, which cdk8s-plus has no prop for.
 */
export function finishWorkload(workload: kplus.Deployment | kplus.StatefulSet, labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) workload.podMetadata.addLabel(key, value);
  workload.select(kplus.LabelSelector.of({ labels }));
  ApiObject.of(workload).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    // cdk8s-plus stamps a construct-path label on every pod template even with `select: false`;
    // it selects nothing here and would make upstream apps' labels differ from upstream.
    JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
  );
}

export interface LabeledServiceOptions {
  /** Service name (stable DNS name). */
  readonly name: string;
  /** Pod labels the Service selects. */
  readonly selector: Record<string, string>;
  /** Ports; names must carry the protocol prefix (`http-`, `grpc-`, `tcp-`) for Istio (targetPort defaults to port, nodePort to none). */
  readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort?: number; readonly nodePort?: number }[];
  /** Labels on the Service itself. @default - none */
  readonly labels?: Record<string, string>;
  /** @default ClusterIP (UIs are reached with kubectl port-forward, never exposed by default) */
  readonly type?: kplus.ServiceType;
  /** Headless Service (StatefulSet peer DNS). @default false */
  readonly headless?: boolean;
}

/** A Service selecting pods by explicit labels, with named ports. */
export function labeledService(scope: import('constructs').Construct, id: string, options: LabeledServiceOptions): kplus.Service {
  const service = new kplus.Service(scope, id, {
    metadata: { name: options.name, labels: options.labels },
    type: options.type ?? kplus.ServiceType.CLUSTER_IP,
    ...(options.headless ? { clusterIP: 'None' } : {}),
    ports: options.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, nodePort: p.nodePort })),
  });
  for (const [key, value] of Object.entries(options.selector)) service.selectLabel(key, value);
  return service;
}
