/**
 * `npm run bench:synth`: wall time of synth + check per profile, through the library
 * (`synthesize()`, in-process) and through the CLI (`node bin/meshtrace.mjs synth`, a new process).
 * Baselines measured in the same run: the CLI's bare start-up (`meshtrace --help`) and, in-process,
 * building the manifests without check or write. Prints numbers; asserts nothing.
 * The machine is shared, so CPU time is printed beside wall time: `process.cpuUsage()` in-process,
 * and for CLI children the `cutime + cstime` of /proc/self/stat (CPU of waited-for children).
 * Flags: --runs N (default 5), --profiles lab,ci,production.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load';
import { REPO_ROOT } from '../src/paths';
import { buildStack, synthesize } from '../src/stack/index';
import { machineLine } from './machine';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const runs = Math.max(1, Number(flag('runs', '5')));
const profiles = flag('profiles', 'lab,ci,production').split(',');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** CPU ms of waited-for children so far (Linux /proc/self/stat fields 16-17, in clock ticks of 10 ms). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Wall and CPU ms of a CLI run in a new process. */
function runCli(argv: string[]): { wall: number; cpu: number } {
  const c0 = childrenCpuMs();
  const t = performance.now();
  execFileSync(process.execPath, [bin, ...argv], { stdio: 'ignore' });
  return { wall: performance.now() - t, cpu: childrenCpuMs() - c0 };
}

/** Wall and CPU ms of an in-process call. */
async function runLib<T>(fn: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t, cpu: (c.user + c.system) / 1000, value };
}

const bin = join(REPO_ROOT, 'bin', 'meshtrace.mjs');
console.log(`${machineLine()}; ${runs} runs per cell (median; first in-process run reported separately as cold)`);

// Baseline 1: CLI start-up alone (tsx loader + command registration).
const help = Array.from({ length: runs }, () => runCli(['--help']));
const startWall = median(help.map((h) => h.wall));
const startCpu = median(help.map((h) => h.cpu));
console.log(`baseline: CLI start-up (meshtrace --help) wall ${ms(startWall)}, CPU ${ms(startCpu)}`);
console.log('');
console.log(
  '| profile | objects | library cold wall / CPU | library warm wall / CPU (synth+check+write) | of which build | of which check | build-only baseline | CLI synth wall / CPU (new process) | CLI CPU / start-up CPU |',
);
console.log('|---|---|---|---|---|---|---|---|---|');

for (const profile of profiles) {
  const outdir = mkdtempSync(join(tmpdir(), `meshtrace-bench-${profile}-`));
  try {
    const lib: { wall: number; cpu: number }[] = [];
    const build: number[] = [];
    const check: number[] = [];
    let objects = 0;
    for (let i = 0; i < runs + 1; i++) {
      const r = await runLib(() => synthesize({ profile, outdir: join(outdir, 'lib') }));
      lib.push(r);
      build.push(r.value.timings.buildMs);
      check.push(r.value.timings.checkMs);
      objects = r.value.stack.docs.length;
    }
    const config = await loadConfig({ profile });
    const buildOnly: number[] = [];
    for (let i = 0; i < runs; i++) buildOnly.push(await timeIt(() => buildStack(config)));
    const cli = Array.from({ length: runs }, () => runCli(['synth', '--profile', profile, '--outdir', join(outdir, 'cli'), '--quiet']));
    const [cold, ...warm] = lib;
    const cliCpu = median(cli.map((c) => c.cpu));
    console.log(
      `| ${profile} | ${objects} | ${ms(cold!.wall)} / ${ms(cold!.cpu)} | ${ms(median(warm.map((w) => w.wall)))} / ${ms(median(warm.map((w) => w.cpu)))} | ${ms(median(build.slice(1)))} | ${ms(median(check.slice(1)))} | ${ms(median(buildOnly))} | ${ms(median(cli.map((c) => c.wall)))} / ${ms(cliCpu)} | ${(cliCpu / startCpu).toFixed(2)}x |`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
