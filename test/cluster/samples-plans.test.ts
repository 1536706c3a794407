/**
 * Every profile and every shipped sample config against the kind lane: either a complete plan
 * (every CRD the applied objects use installed before the apply, each Helm install at the chart
 * version its values were written for, values valid for that exact chart) or a refusal whose
 * reason names what the config really asks for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load';
import type { MeshtraceConfig } from '../../src/config/schema';
import { REPO_ROOT } from '../../src/paths';
import { buildStack } from '../../src/stack/build-stack';
import { layoutFromFiles } from '../../src/cluster/dist-layout';
import { kindMisfits } from '../../src/cluster/kind-fit';
import { crdSourcesFor, laneInputProblems, planSmoke, planUp, type RunStep, type Step } from '../../src/cluster/plan';
import { smokeTargetsFor } from '../../src/cluster/lane';
import { renderPlan } from '../../src/cluster/render';
import { DEFAULT_VERSIONS } from '../../src/cluster/versions';
import { laneInput } from './support/fixtures';
import { laneSummaryRow } from './support/lane-summary';

const SAMPLES = join(REPO_ROOT, 'samples', 'configs');
const REFERENCE = join(REPO_ROOT, '..', 'shared', 'reference');
const samples = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const cases: [string, () => Promise<MeshtraceConfig>][] = [
  ...(['lab', 'ci', 'production'] as const).map((p): [string, () => Promise<MeshtraceConfig>] => [
    `profile ${p}`,
    () => loadConfig({ profile: p }),
  ]),
  ...samples.map((s): [string, () => Promise<MeshtraceConfig>] => [`samples/configs/${s}`, () => loadConfig({ config: join(SAMPLES, s) })]),
];

export function layoutOf(config: MeshtraceConfig) {
  const { files } = buildStack(config);
  const top = files.filter((f) => !f.path.includes('/')).map((f) => ({ path: `dist/${f.path}`, text: f.content }));
  const install = files.filter((f) => f.path.startsWith('install/')).map((f) => ({ path: `dist/${f.path}`, text: f.content }));
  return layoutFromFiles('dist', top, install);
}

const runs = (steps: readonly Step[]): RunStep[] => steps.filter((s): s is RunStep => s.kind === 'run');

/** Chart 41.3.0 ships values.schema.json (draft 2020-12); Helm validates values against it. */
const chart41Schema = (() => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(REFERENCE, 'traefik', 'helm-chart-41.3.0.values.schema.json'), 'utf8')));
})();

/**
 * Chart 27.0.2 ships no values.schema.json (none at tag v27.0.2 of traefik/traefik-helm-chart),
 * so Helm validates nothing: the check that matters is that every key we set is one the chart's
 * values.yaml declares (a key it does not know is silently ignored by its templates).
 */
function unknownKeysForChart27(values: unknown): string[] {
  const text = readFileSync(join(REFERENCE, 'traefik', 'chart-27.0.2', 'values.yaml'), 'utf8');
  const chartValues = parse(text) as Record<string, unknown>;
  // options the chart documents as commented-out examples (`# nodePort: 32080`) are real options too
  const documented = (key: string): boolean => new RegExp(`^\\s*#\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`, 'm').test(text);
  const unknown: string[] = [];
  const walk = (ours: unknown, theirs: unknown, path: string): void => {
    if (typeof ours !== 'object' || ours === null || Array.isArray(ours)) return;
    if (typeof theirs !== 'object' || theirs === null) return;
    // a section the chart leaves empty (`tracing: {}`) documents its options as comments
    if (Object.keys(theirs).length === 0) {
      for (const k of Object.keys(ours)) if (!documented(k)) unknown.push(`${path}${k}`);
      return;
    }
    for (const [k, v] of Object.entries(ours)) {
      if (!(k in (theirs as object))) {
        if (!documented(k)) unknown.push(`${path}${k}`);
      } else walk(v, (theirs as Record<string, unknown>)[k], `${path}${k}.`);
    }
  };
  walk(values, chartValues, '');
  return unknown;
}

describe.each(cases)('%s on kind', (_name, load) => {
  let config: MeshtraceConfig;
  beforeAll(async () => {
    config = await load();
  });

  test('either a complete plan for up and smoke, or a refusal that names what kind lacks', () => {
    const misfits = kindMisfits(config);
    if (misfits.length > 0) {
      // THEN the reason is true of this config: an external store, brokers, or no kind config at all
      const storage = config.jaeger.storage;
      // an edge (spans to a central collector) runs no Jaeger, so its storage settings do not count
      const external =
        !config.multicluster.centralCollector &&
        (storage.type === 'elasticsearch' || storage.type === 'cassandra' || (storage.type === 'opensearch' && !storage.inCluster));
      expect(external || config.kafka.enabled || !config.kind.enabled).toBe(true);
      if (!config.kind.enabled) expect(misfits.join('\n')).toContain('kind.enabled: false');
      if (external) expect(misfits.join('\n')).toContain(`external ${storage.type === 'cassandra' ? 'Cassandra' : storage.type}`);
      return;
    }
    const dist = layoutOf(config);
    const input = laneInput({ dist, versions: DEFAULT_VERSIONS });
    expect(laneInputProblems(input, 'up')).toEqual([]);
    const up = planUp(input);
    const applyAt = up.findIndex((s) => s.kind === 'apply');
    const before = up.slice(0, applyAt);
    // every CRD source the applied objects need comes before the apply
    const sources = crdSourcesFor(dist);
    const installs = runs(before).map((r) => [r.cmd, ...r.args].join(' '));
    if (sources.has('istio-base'))
      expect(installs.some((l) => l.includes('istio-base base') || l.startsWith('istioctl install'))).toBe(true);
    if (sources.has('traefik-chart')) expect(installs.some((l) => l.startsWith('helm upgrade --install traefik traefik'))).toBe(true);
    if (sources.has('gateway-api'))
      expect(installs).toContain(
        `kubectl --context kind-meshtrace apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/${DEFAULT_VERSIONS.gatewayApi}/standard-install.yaml`,
      );
    // Traefik's chart is the one its values were written for
    const traefik = runs(before).find((r) => r.args[2] === 'traefik');
    const values = parse(buildStack(config).files.find((f) => f.path === 'install/traefik-values.yaml')?.content ?? '{}');
    const chart = traefik?.args[traefik.args.indexOf('--version') + 1];
    expect(chart).toBe(config.traefik.mode === 'v2' ? '27.0.2' : '41.3.0');
    if (chart === '41.3.0') {
      const ok = chart41Schema(values);
      expect(ok ? [] : chart41Schema.errors).toEqual([]);
    } else {
      expect(unknownKeysForChart27(values)).toEqual([]);
    }
    // smoke plans too, and every printed line is a command or a comment
    const { targets, skipped } = smokeTargetsFor(dist);
    const smoke = planSmoke({ ...input, targets, skipped });
    for (const line of renderPlan('# plan', smoke).trimEnd().split('\n'))
      expect(line).toMatch(/^(#|npx meshtrace |kind |helm |kubectl |curl |rm |kill |istioctl )/);
  });

  test("docs/cluster.md's table says what up installs and smoke verifies for it", () => {
    expect(readFileSync(join(REPO_ROOT, 'docs', 'cluster.md'), 'utf8')).toContain(`${laneSummaryRow(_name, config, layoutOf)}\n`);
  });
});

test('the v3 values the lab profile writes fail chart 41.3.0 if a v2-only key sneaks in (the schema check has teeth)', async () => {
  const config = await loadConfig({ profile: 'lab' });
  const values = parse(buildStack(config).files.find((f) => f.path === 'install/traefik-values.yaml')?.content ?? '{}') as Record<
    string,
    any
  >;
  expect(chart41Schema({ ...values, globalArguments: [] })).toBe(false);
  expect(unknownKeysForChart27({ tracing: { jaeger: {}, notAnOption: 'x' }, ports: { web: { nodePort: 30080, nodePortt: 1 } } })).toEqual([
    'tracing.notAnOption',
    'ports.web.nodePortt',
  ]);
});
