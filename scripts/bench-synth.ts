/**
 * `npm run bench:synth`: wall time of synth + check per profile, through the library
 * (`synthesize()`, in-process) and through the CLI (`node bin/meshtrace.mjs synth`, a new process).
 * Baselines measured in the same run: the CLI's bare start-up (`meshtrace --help`) and, in-process,
 * building the manifests without check or write. Prints numbers; asserts nothing.
 * Flags: --runs N (default 5), --profiles lab,ci,production.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load';
import { REPO_ROOT } from '../src/paths';
import { buildStack, synthesize } from '../src/stack/index';

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

const bin = join(REPO_ROOT, 'bin', 'meshtrace.mjs');
const cpuModel = cpus()[0]?.model ?? 'unknown';
const cpuInfo = (() => {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    return cpuModel;
  }
})();
console.log(`machine: ${cpus().length} cpu(s), ${cpuInfo}, node ${process.version}; ${runs} runs per cell (median; first in-process run reported separately as cold)`);

// Baseline 1: CLI start-up alone (tsx loader + command registration).
const helpTimes: number[] = [];
for (let i = 0; i < runs; i++) helpTimes.push(await timeIt(() => execFileSync(process.execPath, [bin, '--help'], { stdio: 'ignore' })));
const cliStartup = median(helpTimes);
console.log(`baseline: CLI start-up (meshtrace --help) ${ms(cliStartup)}`);
console.log('');
console.log('| profile | objects | library cold | library warm (synth+check+write) | of which build | of which check | build-only baseline | CLI synth (new process) | CLI / start-up |');
console.log('|---|---|---|---|---|---|---|---|---|');

for (const profile of profiles) {
  const outdir = mkdtempSync(join(tmpdir(), `meshtrace-bench-${profile}-`));
  try {
    const lib: number[] = [];
    const build: number[] = [];
    const check: number[] = [];
    let objects = 0;
    for (let i = 0; i < runs + 1; i++) {
      const t = performance.now();
      const result = await synthesize({ profile, outdir: join(outdir, 'lib') });
      lib.push(performance.now() - t);
      build.push(result.timings.buildMs);
      check.push(result.timings.checkMs);
      objects = result.stack.docs.length;
    }
    const config = await loadConfig({ profile });
    const buildOnly: number[] = [];
    for (let i = 0; i < runs; i++) buildOnly.push(await timeIt(() => buildStack(config)));
    const cli: number[] = [];
    for (let i = 0; i < runs; i++) {
      cli.push(await timeIt(() => execFileSync(process.execPath, [bin, 'synth', '--profile', profile, '--outdir', join(outdir, 'cli'), '--quiet'], { stdio: 'ignore' })));
    }
    const [cold, ...warm] = lib;
    console.log(
      `| ${profile} | ${objects} | ${ms(cold!)} | ${ms(median(warm))} | ${ms(median(build.slice(1)))} | ${ms(median(check.slice(1)))} | ${ms(median(buildOnly))} | ${ms(median(cli))} | ${(median(cli) / cliStartup).toFixed(2)}x |`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
