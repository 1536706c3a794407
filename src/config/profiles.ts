/**
 * What each profile changes relative to the schema defaults (which ARE the `lab` profile).
 * Profiles are raw config input, merged under the user's file, then validated like any file:
 * a profile can never produce a config a user could not have written.
 */
import { ATTR_MESHTRACE_PROFILE } from '../attribute-names';
import type { ProfileName } from './profile-names';

/** A profile: raw config sections, validated with the user's config over them. */
export type Raw = Record<string, unknown>;

export const PROFILES: Readonly<Record<ProfileName, Raw>> = {
  // Workshops on a laptop kind cluster: split Jaeger over in-memory remote storage, 100 % sampling, Bookinfo.
  lab: {},
  // Smoke tests on a CI kind node: same shape as lab (so CI tests what students run), smaller
  // trace store, the run id as a literal tag so traces of parallel runs can be told apart.
  ci: {
    jaeger: {
      storage: { type: 'remoteStorage', maxTraces: 20_000 },
    },
    istio: {
      randomSamplingPercentage: 100,
      customTags: { [ATTR_MESHTRACE_PROFILE]: { literal: { value: 'ci' } } },
    },
    bookinfo: { reviewsVersions: ['v1', 'v2', 'v3'] },
  },
  // A real mesh: external Elasticsearch, a scaled collector with HPA + PDB, 1 % sampling written
  // explicitly (never Istio's silent default), no demo app.
  production: {
    jaeger: {
      topology: 'split',
      storage: {
        type: 'elasticsearch',
        serverUrls: ['http://elasticsearch-master.elastic.svc.cluster.local:9200'],
        shards: 3,
        indexReplicas: 1,
      },
      collector: {
        replicas: 2,
        resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '2Gi' },
        autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilizationPercentage: 75 },
        podDisruptionBudget: { minAvailable: 1 },
      },
      query: {
        replicas: 2,
        resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
      },
      sampling: { defaultProbability: 0.01 },
    },
    istio: { randomSamplingPercentage: 1 },
    bookinfo: { enabled: false },
    relay: { enabled: false },
    // Traefik samples the traces it roots at the same 1 % as Istio; no demo app, no kind cluster.
    traefik: { sampleRate: 0.01 },
    hotrod: { enabled: false },
    kind: { enabled: false },
    // NetworkPolicies are on in every profile (the schema default): only the sender namespaces reach
    // the collector, nobody but port-forwards the query UI (docs/stack.md).
  },
};
