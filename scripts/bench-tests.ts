/**
 * Test-suite timing (`npm run bench:tests [-- JEST ARGS]`): runs jest with the project's config (four
 * workers) and `--json`, then prints the run's wall time, the CPU time of jest and everything it
 * started (the real programs included: children's CPU from /proc/self/stat once they are reaped), the
 * load average before and after (this machine is shared), and the slowest suites. The issue's target
 * is `npm test` ≤ 5 min wall on 2 cores; CPU ÷ cores is the floor on an idle machine. Numbers only.
 * Each suite's own CPU (its real programs included) comes from scripts/support/suite-cpu-probe.mjs,
 * a setup file only this script adds. `--from FILE` summarizes an earlier `jest --json --outputFile
 * FILE` instead of running jest. `--record` (after a run where every suite passed) writes each
 * file's wall time to test/support/suite-durations.json, the order a fresh clone runs them in
 * (test/support/test-sequencer.cjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

interface ProbeLine {
  readonly pid: number;
  readonly event: 'start' | 'end';
  readonly file: string;
  readonly cpu: number;
  readonly at: number;
}

/**
 * CPU seconds per test file from the probe's log: in one worker, from a file's start to the next
 * file's start (its afterAll and teardown included); a worker's last file, from its start to its end.
 */
function suiteCpu(lines: readonly ProbeLine[]): Map<string, number> {
  const byWorker = new Map<number, ProbeLine[]>();
  for (const l of lines) byWorker.set(l.pid, [...(byWorker.get(l.pid) ?? []), l]);
  const cpu = new Map<string, number>();
  for (const events of byWorker.values()) {
    const starts = events.filter((e) => e.event === 'start').sort((a, b) => a.at - b.at);
    starts.forEach((s, i) => {
      const next = starts[i + 1] ?? events.find((e) => e.event === 'end' && e.file === s.file);
      if (next) cpu.set(s.file, next.cpu - s.cpu);
    });
  }
  return cpu;
}

function summarize(
  result: JestJson,
  wallS: number | undefined,
  cpuS: number | undefined,
  source?: string,
  perSuiteCpu = new Map<string, number>(),
): void {
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
  const name = (file: string) => file.replace(`${REPO_ROOT}/`, '');
  process.stdout.write(`slowest suites (wall s${perSuiteCpu.size ? ', CPU s' : ''}):\n`);
  for (const r of [...result.testResults].sort((a, b) => b.endTime - b.startTime - (a.endTime - a.startTime)).slice(0, 15)) {
    const cpu = perSuiteCpu.get(r.name);
    process.stdout.write(
      `  ${((r.endTime - r.startTime) / 1000).toFixed(1).padStart(7)}${cpu === undefined ? '' : cpu.toFixed(1).padStart(8)}  ${name(r.name)}\n`,
    );
  }
  if (perSuiteCpu.size) {
    process.stdout.write('most CPU (s):\n');
    for (const [file, cpu] of [...perSuiteCpu.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15))
      process.stdout.write(`  ${cpu.toFixed(1).padStart(7)}  ${name(file)}\n`);
  }
}

const DURATIONS_FILE = join(REPO_ROOT, 'test', 'support', 'suite-durations.json');

/** Writes each suite's wall time for the sequencer (see the file comment). */
function recordDurations(result: JestJson): void {
  if (result.testResults.some((r) => r.status !== 'passed')) throw new Error('--record: not every suite passed; nothing recorded');
  const durationsMs = Object.fromEntries(
    [...result.testResults]
      .map((r) => [r.name.replace(`${REPO_ROOT}/`, ''), r.endTime - r.startTime] as const)
      .sort((a, b) => a[0].localeCompare(b[0])),
  );
  const note = `written by \`npm run bench:tests -- --record\` (${machineLine()}); read by test/support/test-sequencer.cjs`;
  writeFileSync(DURATIONS_FILE, `${JSON.stringify({ '//': note, durationsMs }, null, 2)}\n`);
  process.stdout.write(`recorded ${result.testResults.length} suite times in ${DURATIONS_FILE.replace(`${REPO_ROOT}/`, '')}\n`);
}

const argv = process.argv.slice(2);
const record = argv.includes('--record');
const args = argv.filter((a) => a !== '--record');
const from = args.indexOf('--from');
if (from >= 0) {
  summarize(JSON.parse(readFileSync(args[from + 1]!, 'utf8')) as JestJson, undefined, undefined, args[from + 1]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'meshtrace-bench-tests-'));
  const out = join(dir, 'jest.json');
  const probeLog = join(dir, 'suite-cpu.jsonl');
  try {
    const before = loadavg()[0]!.toFixed(1);
    const cpu0 = childrenCpuSeconds();
    const t0 = performance.now();
    const run = spawnSync(
      process.execPath,
      [
        '--experimental-vm-modules',
        join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
        ...args,
        '--json',
        '--outputFile',
        out,
        // last: jest's array options take every word after them, test paths included
        '--setupFilesAfterEnv',
        join(REPO_ROOT, 'scripts', 'support', 'suite-cpu-probe.mjs'),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MESHTRACE_SUITE_CPU_LOG: probeLog } },
    );
    const wallS = (performance.now() - t0) / 1000;
    const cpu1 = childrenCpuSeconds();
    process.stdout.write(`load average (1 min) before ${before}, after ${loadavg()[0]!.toFixed(1)}; jest exit ${run.status}\n`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as JestJson;
    const probe = existsSync(probeLog)
      ? readFileSync(probeLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as ProbeLine)
      : [];
    summarize(result, wallS, cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0, undefined, suiteCpu(probe));
    if (record) recordDurations(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
