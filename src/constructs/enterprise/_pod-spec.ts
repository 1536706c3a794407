/**
 * Internal helpers for the enterprise constructs that write Kubernetes objects directly (Jobs,
 * CronJobs, NetworkPolicies, PrometheusRules): the restricted pod and container security the rest
 * of the kit gets from `workload-defaults.ts`, in plain-object form, and secret env vars.
 */
import type { ResourceQuantities, SecretKeyRef } from '../workload-defaults';

type Obj = Record<string, unknown>;

/** Restricted pod security context with a numeric user (PSS `restricted`). */
export function restrictedPodSecurity(user: number): Obj {
  return { runAsNonRoot: true, runAsUser: user, runAsGroup: user, fsGroup: user, seccompProfile: { type: 'RuntimeDefault' } };
}

/** Restricted container security context. */
export function restrictedContainerSecurity(user: number): Obj {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function resourcesOf(r: ResourceQuantities): Obj {
  return { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } };
}

/** An env var read from a Secret key: the value never appears in the manifest. */
export function secretEnv(name: string, ref: SecretKeyRef): Obj {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

export function plainEnv(name: string, value: string): Obj {
  return { name, value };
}
