/**
 * Test-suite timing (`npm run bench:tests [-- JEST ARGS]`): runs jest with the project's config (two
 * workers) and `--json`, then prints the run's wall time, the CPU time of jest and everything it
 * started (the real programs included: children's CPU from /proc/self/stat once they are reaped), the
 * load average before and after (this machine is shared), and the slowest suites. The issue's target
 * is `npm test` ≤ 5 min wall on 2 cores; CPU ÷ cores is the floor on an idle machine. Numbers only.
 * `--from FILE` summarizes an earlier `jest --json --outputFile FILE` instead of running jest.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/paths';
import { machineLine } from './machine';

interface SuiteResult {
  readonly name: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly status: string;
}
interface JestJson {
  readonly startTime: number;
  readonly numTotalTests: number;
  readonly numFailedTests: number;
  readonly testResults: readonly SuiteResult[];
}

/** CPU seconds of this process's reaped children (utime + stime of the waited-for tree), Linux only. */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17, in clock ticks (100 Hz).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

function summarize(result: JestJson, wallS: number | undefined, cpuS: number | undefined, source?: string): void {
  const end = Math.max(...result.testResults.map((r) => r.endTime));
  const jestWall = wallS ?? (end - result.startTime) / 1000;
  const suiteSum = result.testResults.reduce((sum, r) => sum + (r.endTime - r.startTime), 0) / 1000;
  const failed = result.testResults.filter((r) => r.status !== 'passed').length;
  process.stdout.write(source === undefined ? `${machineLine()}\n` : `${source} (an earlier run; no CPU figure); this ${machineLine()}\n`);
  process.stdout.write(
    `suites ${result.testResults.length} (${failed} not passed), tests ${result.numTotalTests} (${result.numFailedTests} failed)\n`,
  );
  process.stdout.write(
    `jest wall ${jestWall.toFixed(1)} s; sum of suite walls ${suiteSum.toFixed(1)} s (${(suiteSum / jestWall).toFixed(2)} suites busy on average)\n`,
  );
  if (cpuS !== undefined) {
    const cores = availableParallelism();
    process.stdout.write(
      `CPU of jest and its children ${cpuS.toFixed(1)} s; ÷ ${cores} cores = ${(cpuS / cores).toFixed(1)} s, the wall floor on an idle machine\n`,
    );
  }
  process.stdout.write('slowest suites (wall s):\n');
  for (const r of [...result.testResults].sort((a, b) => b.endTime - b.startTime - (a.endTime - a.startTime)).slice(0, 12)) {
    process.stdout.write(`  ${((r.endTime - r.startTime) / 1000).toFixed(1).padStart(7)}  ${r.name.replace(`${REPO_ROOT}/`, '')}\n`);
  }
}

const args = process.argv.slice(2);
const from = args.indexOf('--from');
if (from >= 0) {
  summarize(JSON.parse(readFileSync(args[from + 1]!, 'utf8')) as JestJson, undefined, undefined, args[from + 1]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'meshtrace-bench-tests-'));
  const out = join(dir, 'jest.json');
  try {
    const before = loadavg()[0]!.toFixed(1);
    const cpu0 = childrenCpuSeconds();
    const t0 = performance.now();
    const run = spawnSync(
      process.execPath,
      ['--experimental-vm-modules', join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--json', '--outputFile', out, ...args],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const wallS = (performance.now() - t0) / 1000;
    const cpu1 = childrenCpuSeconds();
    process.stdout.write(`load average (1 min) before ${before}, after ${loadavg()[0]!.toFixed(1)}; jest exit ${run.status}\n`);
    summarize(JSON.parse(readFileSync(out, 'utf8')) as JestJson, wallS, cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
