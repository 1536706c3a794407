/**
 * The package as a user gets it: `npm pack`, then `npm install <tarball>` into an empty project in
 * the OS temp folder (far from this repository and its ../shared), and there the installed CLI
 * (`npx meshtrace --version`, `synth`, `check`, `demo`) and the TypeScript cdk8s sample app
 * (samples/cdk8s-app, importing `meshtrace` by name) compiled with tsc and synthesized.
 *
 * Slow (one pack with the full build, one npm install per run); every step has its own bound, and
 * the temp folder is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../src/paths';

const run = promisify(execFile);
const MINUTE = 60_000;
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let project: string;

/** Runs a command in the temp project; resolves to its exit code and output (never rejects on exit code). */
async function inProject(
  file: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
  timeout = 2 * MINUTE,
): Promise<{ code: number; stdout: string; stderr: string }> {
  // No MESHTRACE_SHARED_DIR: the installed package must not need the team's shared folder.
  const env = { ...process.env, MESHTRACE_SHARED_DIR: undefined, NO_COLOR: '1', ...extraEnv };
  try {
    const { stdout, stderr } = await run(file, [...args], { cwd: project, env, timeout, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const npx = (...args: string[]) => inProject('npx', ['--no-install', ...args]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'meshtrace-package-'));
  project = join(work, 'app');
  // `npm pack` runs `prepare` (the full build: bundles and declarations) before it packs.
  await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: REPO_ROOT, timeout: 5 * MINUTE, maxBuffer: 64 * 1024 * 1024 });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);
  // The sample app as a user would have it, depending on the tarball instead of the repository.
  const sample = join(REPO_ROOT, 'samples', 'cdk8s-app');
  const manifest = JSON.parse(readFileSync(join(sample, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies.meshtrace = `file:${join(work, tarball)}`;
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const f of ['main.ts', 'tsconfig.json']) copyFileSync(join(sample, f), join(project, f));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    timeout: 8 * MINUTE,
    maxBuffer: 64 * 1024 * 1024,
  });
}, 15 * MINUTE);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the compiled CLI, declarations and run-time files, not the tests', () => {
  const pkg = join(project, 'node_modules', 'meshtrace');
  for (const f of [
    'lib/cli.js',
    'lib/index.js',
    'lib/relay-hop.js',
    'lib/types/index.d.ts',
    'lib/types/verify/public.d.ts',
    'lib/relay/relay.cjs.gz',
    'lib/relay/loader.cjs',
    'samples/expectations/relay-demo.yaml',
    'src/check/schema/known-fields.generated.json',
  ]) {
    expect([f, existsSync(join(pkg, f))]).toEqual([f, true]);
  }
  // Built ahead: no TypeScript sources, tests or build tools are needed at run time.
  for (const f of ['test', 'src/cli', 'src/relay']) expect([f, existsSync(join(pkg, f))]).toEqual([f, false]);
  for (const dep of ['tsx', 'esbuild']) expect([dep, existsSync(join(project, 'node_modules', dep))]).toEqual([dep, false]);
});

test('npx meshtrace --version and -V print the package version', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await npx('meshtrace', flag);
    expect([flag, r.code, r.stdout.trim()]).toEqual([flag, 0, version]);
  }
});

test(
  'npx meshtrace synth, then check, on the synthesized folder',
  async () => {
    const synth = await npx('meshtrace', 'synth', '--outdir', 'dist');
    expect([synth.code, synth.stderr]).toEqual([0, expect.any(String)]);
    const files = readdirSync(join(project, 'dist'));
    expect(files.some((f) => /jaeger/.test(f))).toBe(true);
    // The relay chain embeds the relay bundle that `npm pack`'s build wrote into lib/relay/.
    expect(
      readFileSync(
        join(
          project,
          'dist',
          files.find((f) => /relay/.test(f))!,
        ),
        'utf8',
      ),
    ).toContain('relay.cjs.gz');
    const check = await npx('meshtrace', 'check', 'dist');
    expect([check.code, check.stderr]).toEqual([0, '']);
  },
  5 * MINUTE,
);

test(
  'npx meshtrace demo runs the compiled relay hops and verifies the traces',
  async () => {
    const demo = await npx('meshtrace', 'demo', '--json');
    const doc = JSON.parse(demo.stdout) as { exitCode: number };
    expect([demo.code, doc.exitCode]).toEqual([0, 0]);
  },
  3 * MINUTE,
);

test(
  'the TypeScript sample app compiles against the package types and synthesizes',
  async () => {
    const tsc = await inProject('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json']);
    expect([tsc.code, tsc.stdout]).toEqual([0, '']);
    const synth = await inProject(process.execPath, ['lib/main.js'], { OUTDIR: 'app.out' });
    expect([synth.code, synth.stderr]).toEqual([0, '']);
    const out = readdirSync(join(project, 'app.out'))
      .map((f) => readFileSync(join(project, 'app.out', f), 'utf8'))
      .join('\n');
    expect(out).toMatch(/kind: Deployment\n(?:.*\n){1,6}?\s+name: jaeger-collector/);
    expect(out).toMatch(/namespace: team-apps/);
    // The parts built from their own Props (no config): the team's Telemetry with its rate and tag.
    expect(out).toMatch(/kind: Telemetry\n(?:.*\n){1,8}?\s+name: team-tracing\n\s+namespace: team-apps/);
    expect(out).toMatch(/literal:\n\s+value: payments\n(?:.*\n)*?\s+randomSamplingPercentage: 10\n/);
  },
  5 * MINUTE,
);
