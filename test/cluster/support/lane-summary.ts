/** One row of docs/cluster.md's "samples on kind" table, computed from the real plans (pure). */
import type { MeshtraceConfig } from '../../../src/config/schema';
import { kindMisfits } from '../../../src/cluster/kind-fit';
import type { DistLayout, RunStep, Step } from '../../../src/cluster/plan';
import { crdSourcesFor, planUp } from '../../../src/cluster/plan';
import { smokeTargetsFor } from '../../../src/cluster/lane';
import { DEFAULT_VERSIONS } from '../../../src/cluster/versions';
import { laneInput } from './fixtures';

export function laneSummaryRow(name: string, config: MeshtraceConfig, layoutOf: (c: MeshtraceConfig) => DistLayout): string {
  const misfits = kindMisfits(config);
  if (misfits.length) {
    const short = misfits.map((m) => m.split(/[:,(]/)[0].trim()).join('; ');
    return `| ${name} | refused, exit 2: ${short} | — |`;
  }
  const dist = layoutOf(config);
  const steps: Step[] = planUp(laneInput({ dist, versions: DEFAULT_VERSIONS }));
  const runs = steps.filter((s): s is RunStep => s.kind === 'run');
  const installs: string[] = [];
  if (crdSourcesFor(dist).has('gateway-api')) installs.push(`Gateway API ${DEFAULT_VERSIONS.gatewayApi} CRDs`);
  installs.push(`Istio ${DEFAULT_VERSIONS.istio}`);
  const traefik = runs.find((r) => r.args[2] === 'traefik');
  if (traefik) installs.push(`Traefik chart ${traefik.args[traefik.args.indexOf('--version') + 1]}`);
  installs.push(`dist/ (${dist.manifests.length} files, ${dist.workloads.length} workloads)`);
  const { targets } = smokeTargetsFor(dist);
  return `| ${name} | ${installs.join(', ')} | ${targets.length ? targets.map((t) => t.name).join(', ') : 'nothing (no Jaeger in this cluster): refused'} |`;
}
