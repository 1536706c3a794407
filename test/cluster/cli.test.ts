import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { main } from '../../src/cli/index';
import { CliError } from '../../src/cli/exit-codes';
import { prepareLane } from '../../src/cluster/cli-support';
import type { Synthesizer } from '../../src/cluster/synth';
import { RecordingRunner, ok, toolsInstalled } from './support/fake-runner';
import { DIST_FILES, INSTALL_FILES } from './support/fixtures';

/** A synthesizer that writes the fixture output, and counts its calls. */
function fixtureSynth(calls: string[]): Synthesizer {
  return async ({ outdir, profile }) => {
    calls.push(`${profile ?? ''} → ${outdir}`);
    mkdirSync(join(outdir, 'install'), { recursive: true });
    for (const f of [...DIST_FILES, ...INSTALL_FILES]) writeFileSync(join(outdir, f.path.replace(/^dist\//, '')), f.text);
  };
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lane-cli-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('prepareLane', () => {
  test('a missing tool ends a real run with exit 2 naming it and how to install it, before synth writes anything', async () => {
    // GIVEN docker, kind and kubectl but no helm
    const runner = new RecordingRunner()
      .on('docker version', ok('28.2.2'))
      .on('kind version', ok('kind v0.32.0'))
      .on('kubectl version', ok('{"clientVersion":{"gitVersion":"v1.36.1"}}'))
      .on('kind get clusters', ok(''));
    const calls: string[] = [];
    // WHEN `up` prepares
    const attempt = prepareLane('up', { profile: 'lab' }, false, { runner, synth: fixtureSynth(calls), root });
    // THEN it refuses with exit 2 and the install hint, and nothing was synthesized
    await expect(attempt).rejects.toThrow(CliError);
    await expect(prepareLane('up', { profile: 'lab' }, false, { runner, synth: fixtureSynth(calls), root })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('helm is not installed — install Helm 3.9 or newer: https://helm.sh/docs/intro/install/'),
    });
    expect(calls).toEqual([]);
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  test('dry-run: synthesizes into a temporary folder, shows it as dist/, warns about missing tools, leaves dist/ alone', async () => {
    const runner = new RecordingRunner();
    const calls: string[] = [];
    const lane = await prepareLane('smoke', { profile: 'ci' }, true, { runner, synth: fixtureSynth(calls), root });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^ci → .*meshtrace-plan-.*\/out$/);
    expect(lane.input.dist.manifests).toEqual([
      'dist/0000-namespaces.k8s.yaml',
      'dist/0100-jaeger.k8s.yaml',
      'dist/0200-bookinfo.k8s.yaml',
    ]);
    expect(lane.input.dist.kindConfig).toBe('dist/install/kind.yaml');
    expect(lane.warnings.map((w) => w.split(' — ')[0])).toEqual([
      'missing: docker is not installed',
      'missing: kind is not installed',
      'missing: kubectl is not installed',
      'missing: helm is not installed',
    ]);
    expect(existsSync(join(root, 'dist'))).toBe(false);
    expect(existsSync(calls[0].split(' → ')[1])).toBe(false);
  });

  test('a real run with every tool synthesizes into dist/ and sees an existing cluster', async () => {
    const runner = toolsInstalled(new RecordingRunner(), { kindClusters: ['other', 'meshtrace'] });
    const calls: string[] = [];
    const lane = await prepareLane('up', { profile: 'lab' }, false, { runner, synth: fixtureSynth(calls), root });
    expect(calls).toEqual([`lab → ${join(root, 'dist')}`]);
    expect(lane.input.cluster).toEqual({ exists: true, ownedByKit: false });
    expect(lane.warnings).toEqual([]);
  });

  test('a config the schema rejects is exit 1 (the thing checked is wrong)', async () => {
    const runner = toolsInstalled(new RecordingRunner());
    const failing: Synthesizer = async () => {
      const err = new Error('profile ci: istio.randomSamplingPercentage: 140 is above 100');
      err.name = 'ConfigError';
      throw err;
    };
    await expect(prepareLane('up', { profile: 'ci' }, false, { runner, synth: failing, root })).rejects.toMatchObject({
      exitCode: 1,
      message: 'synth failed: profile ci: istio.randomSamplingPercentage: 140 is above 100',
    });
  });
});

describe('meshtrace up/smoke/down on a machine without the tools', () => {
  const savedPath = process.env.PATH;
  let err: string;
  let out: string;
  beforeEach(() => {
    // an empty PATH: no docker, kind, kubectl, helm or istioctl can be found
    process.env.PATH = join(root, 'empty-bin');
    err = '';
    out = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    jest.restoreAllMocks();
  });

  test('`down` exits 2 and lists each missing tool with its install hint', async () => {
    const code = await main(['node', 'meshtrace', 'down']);
    expect(code).toBe(2);
    expect(err).toContain('cannot run `meshtrace down`: required tools are missing:');
    expect(err).toContain('  - docker is not installed — install Docker Engine or Docker Desktop');
    expect(err).toContain('  - kind is not installed — install kind v0.32.0');
    expect(err).toContain('  - kubectl is not installed');
  });

  test('`up` exits 2 before synthesizing; bad flags are exit 2 too', async () => {
    expect(await main(['node', 'meshtrace', 'up', '--outdir', join(root, 'out')])).toBe(2);
    expect(err).toContain('cannot run `meshtrace up`: required tools are missing:');
    expect(existsSync(join(root, 'out'))).toBe(false);
    expect(await main(['node', 'meshtrace', 'up', '--wait-timeout', 'soon'])).toBe(2);
    expect(err).toContain('--wait-timeout: invalid duration "soon"; use a number with a unit: 500ms, 30s, 2m, 1h');
    expect(await main(['node', 'meshtrace', 'up', '--profile', 'staging', '--dry-run'])).toBe(2);
    expect(err).toContain(`argument 'staging' is invalid. Allowed choices are lab, ci, production.`);
    expect(await main(['node', 'meshtrace', 'smoke', '--name', 'Bad_Name', '--dry-run'])).toBe(2);
    expect(err).toContain(`--name "Bad_Name" is not a valid kind cluster name`);
  });

  test('`down --dry-run --json` without kind: it cannot tell whether the cluster exists, and says so', async () => {
    expect(await main(['node', 'meshtrace', 'down', '--dry-run', '--json', '--state-dir', join(root, 'state')])).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.steps[0]).toEqual({
      kind: 'note',
      lines: ['cannot tell whether kind cluster "meshtrace" exists (kind is not installed); if it does, down runs the steps below'],
      why: 'the plan for a cluster that exists',
    });
    expect(doc.steps.map((s: { kind: string }) => s.kind)).toEqual(['note', 'check-owner', 'run', 'unmark-cluster']);
    expect(doc.warnings).toHaveLength(3);
  });

  test('`up --dry-run --json --profile ci` plans against the real synthesized stack (Helm route without istioctl)', async () => {
    expect(await main(['node', 'meshtrace', 'up', '--dry-run', '--json', '--profile', 'ci'])).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({
      command: 'up',
      profile: 'ci',
      cluster: 'meshtrace',
      versions: { kind: 'v0.32.0', istio: '1.30.3', traefikChart: '41.3.0' },
    });
    expect(doc.steps.map((s: { kind: string }) => s.kind)).toEqual([
      'synth',
      'run',
      'mark-cluster',
      'run',
      'run',
      'run',
      'run',
      'apply',
      'wait',
      'note',
    ]);
    const apply = doc.steps.find((s: { kind: string }) => s.kind === 'apply');
    expect(apply.files[0]).toMatch(/^dist\/0000-namespaces/);
    const wait = doc.steps.find((s: { kind: string }) => s.kind === 'wait');
    expect(wait.timeoutSeconds).toBe(900);
    expect(wait.resources).toEqual(expect.arrayContaining([{ kind: 'Deployment', namespace: 'bookinfo', name: 'productpage-v1' }]));
  }, 120_000); // a real synth (cdk8s + check) on a loaded 2-core machine
});
