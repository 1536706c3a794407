import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as load } from 'yaml';
import { REPO_ROOT } from '../../src/paths';
import { buildProgram } from '../../src/cli/index';
import { planSmoke } from '../../src/cluster/plan';
import { laneInput } from './support/fixtures';
import { defaultSmokeTargets } from '../../src/cluster/lane';

const FILE = join(REPO_ROOT, '.github/workflows/mesh-smoke.yml');
const text = readFileSync(FILE, 'utf8');

interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; 'timeout-minutes': number; steps: WorkflowStep[] }>;
}

const workflow = load(text) as Workflow;
const steps = workflow.jobs.smoke.steps;
const stepIndex = (pred: (s: WorkflowStep) => boolean): number => steps.findIndex(pred);
const usesStep = (action: string): WorkflowStep => {
  const s = steps.find((x) => x.uses?.startsWith(`${action}@`));
  if (!s) throw new Error(`no step uses ${action}`);
  return s;
};

/** The meshtrace arguments of a `run:` line (`npx meshtrace smoke --profile ci …` → ['smoke', '--profile', 'ci', …]). */
function meshtraceArgs(run: string, command: string): string[] {
  const line = run.split('\n').find((l) => l.includes(`npx meshtrace ${command}`));
  if (!line) throw new Error(`no \`npx meshtrace ${command}\` in ${run}`);
  return line
    .trim()
    .replace(/^.*npx meshtrace /, '')
    .split(/\s+/)
    .map((w) => w.replace(/^"(.*)"$/, '$1'));
}

describe('.github/workflows/mesh-smoke.yml', () => {
  test('has the shape GitHub Actions needs: triggers, one ubuntu job, each step either uses or runs', () => {
    expect(workflow.name).toBe('mesh-smoke');
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    expect(Object.keys(workflow.jobs)).toEqual(['smoke']);
    expect(workflow.jobs.smoke['runs-on']).toMatch(/^ubuntu-/);
    expect(workflow.jobs.smoke['timeout-minutes']).toBeGreaterThan(0);
    for (const s of steps) expect(Number(s.uses !== undefined) + Number(s.run !== undefined)).toBe(1);
    // least privilege: read the code, write only the check run of the JUnit report
    expect(workflow.permissions).toEqual({ contents: 'read', checks: 'write' });
  });

  test('every action is pinned to a full commit SHA with its release in a comment', () => {
    const usesLines = text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(usesLines.length).toBe(steps.filter((s) => s.uses).length);
    expect(usesLines.length).toBeGreaterThanOrEqual(5);
    for (const line of usesLines) {
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  test('kind v0.32.0 with kindest/node:v1.36.1 (digest of kind v0.32.0) from the synthesized config', () => {
    const kind = usesStep('helm/kind-action');
    expect(kind.uses).toBe('helm/kind-action@ef37e7f390d99f746eb8b610417061a60e82a6cc');
    expect(kind.with).toMatchObject({
      version: 'v0.32.0',
      kubectl_version: 'v1.36.1',
      node_image: 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5',
      config: 'dist/install/kind.yaml',
    });
    // the config exists when the action runs: synth comes first, with the smoke test's profile
    const synth = stepIndex((s) => s.run?.includes('npx meshtrace synth') ?? false);
    const kindAt = stepIndex((s) => s === kind);
    expect(synth).toBeGreaterThan(-1);
    expect(synth).toBeLessThan(kindAt);
    const smoke = steps.find((s) => s.run?.includes('npx meshtrace smoke')) as WorkflowStep;
    const synthArgs = meshtraceArgs(steps[synth].run as string, 'synth');
    const smokeArgs = meshtraceArgs(smoke.run as string, 'smoke');
    expect(synthArgs[synthArgs.indexOf('--profile') + 1]).toBe(smokeArgs[smokeArgs.indexOf('--profile') + 1]);
    const synthCommand = buildProgram().commands.find((c) => c.name() === 'synth');
    const synthFlags = new Set(synthCommand?.options.map((o) => o.long));
    for (const flag of synthArgs.filter((a) => a.startsWith('--'))) expect(synthFlags.has(flag)).toBe(true);
  });

  test('npm ci, then `npx meshtrace smoke` with flags the CLI really has, after the cluster exists', () => {
    const ci = stepIndex((s) => s.run?.trim() === 'npm ci');
    const kind = stepIndex((s) => s.uses?.startsWith('helm/kind-action@') ?? false);
    const smoke = stepIndex((s) => s.run?.includes('npx meshtrace smoke') ?? false);
    expect(ci).toBeGreaterThan(-1);
    expect(ci).toBeLessThan(kind);
    expect(kind).toBeLessThan(smoke);
    const args = meshtraceArgs(steps[smoke].run as string, 'smoke');
    const smokeCommand = buildProgram().commands.find((c) => c.name() === 'smoke');
    const known = new Set(smokeCommand?.options.map((o) => o.long));
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(known.has(flag)).toBe(true);
    // the cluster name is the one kind-action created, so smoke reuses it rather than creating another
    expect(args[args.indexOf('--name') + 1]).toBe('$KIND_CLUSTER');
    expect(usesStep('helm/kind-action').with?.cluster_name).toBe('${{ env.KIND_CLUSTER }}');
  });

  test('on failure: the results folder is uploaded and the JUnit file smoke writes is published', () => {
    const smokeArgs = meshtraceArgs((steps.find((s) => s.run?.includes('npx meshtrace smoke')) as WorkflowStep).run as string, 'smoke');
    const results = smokeArgs[smokeArgs.indexOf('--results') + 1];
    const report = planSmoke({ ...laneInput({ profile: 'ci' }), targets: defaultSmokeTargets(), outDir: results }).find(
      (s) => s.kind === 'report',
    );
    const upload = usesStep('actions/upload-artifact');
    expect(upload.if).toBe('failure()');
    expect(upload.with?.path).toBe(`${results}/`);
    const junit = usesStep('mikepenz/action-junit-report');
    expect(junit.if).toBe('failure()');
    expect(report && report.kind === 'report' && report.junitFile).toBe(junit.with?.report_paths);
  });
});
