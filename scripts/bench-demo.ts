/**
 * Benchmark of `meshtrace demo` (`npm run bench:demo [-- ROUNDS]`, default 3 rounds).
 * Prints, per round and as medians, measured in the same run:
 *   - the CLI's start-up alone (`meshtrace --help`): the baseline every command pays;
 *   - `meshtrace demo --json`: wall time, exit code, and the demo's own phases from its JSON;
 *   - one relay hop from spawn to its "listening" line, through `bin/meshtrace.mjs relay` and
 *     through the demo's relay-only entry (`src/demo/relay-hop-main.ts`).
 * Ratios are against the baseline of the same round. Nothing here is asserted: numbers only.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../src/paths';
import { HOP_ENTRY } from '../src/demo/start-topology';
import { machineLine } from './machine';

const BIN = join(REPO_ROOT, 'bin', 'meshtrace.mjs');
const rounds = Number(process.argv[2] ?? 3);

function run(args: string[]): Promise<{ ms: number; code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ ms: performance.now() - t0, code, stdout }));
  });
}

/** Spawn → "relay … listening on" line, then SIGTERM and wait for the exit. */
async function hopStart(args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args, 'relay', '--listen', '127.0.0.1:0', '--service-name', 'bench'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let ms = NaN;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('relay bench listening on')) {
      ms = performance.now() - t0;
      break;
    }
  }
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

process.stdout.write(`${machineLine()}\n`);
const rows: Record<string, number[]> = { help: [], demo: [], demoOwn: [], start: [], hopBin: [], hopEntry: [] };
for (let i = 1; i <= rounds; i++) {
  const help = await run([BIN, '--help']);
  const demo = await run([BIN, 'demo', '--json']);
  const doc = JSON.parse(demo.stdout) as {
    exitCode: number;
    timings: { totalMs: number; startMs: number; driveMs: number; pollMs: number; stopMs: number };
  };
  const hopBin = await hopStart([BIN]);
  const hopEntry = await hopStart([...HOP_ENTRY]);
  rows.help!.push(help.ms);
  rows.demo!.push(demo.ms);
  rows.demoOwn!.push(doc.timings.totalMs);
  rows.start!.push(doc.timings.startMs);
  rows.hopBin!.push(hopBin);
  rows.hopEntry!.push(hopEntry);
  const t = doc.timings;
  process.stdout.write(
    `round ${i}: --help ${s(help.ms)} | demo exit ${demo.code} wall ${s(demo.ms)} (${(demo.ms / help.ms).toFixed(1)}× --help); own ${s(t.totalMs)} = start ${s(t.startMs)} + requests ${s(t.driveMs)} + spans ${s(t.pollMs)} + stop ${s(t.stopMs)} | one hop: bin ${s(hopBin)}, relay-only entry ${s(hopEntry)} (${(hopBin / hopEntry).toFixed(1)}×)\n`,
  );
}
process.stdout.write(
  `median of ${rounds}: --help ${s(median(rows.help!))}; demo wall ${s(median(rows.demo!))}, own ${s(median(rows.demoOwn!))} (hop start ${s(median(rows.start!))}); ` +
    `CLI start-up share of the demo's wall time ${Math.round(((median(rows.demo!) - median(rows.demoOwn!)) / median(rows.demo!)) * 100)} %; one hop via bin ${s(median(rows.hopBin!))} vs relay-only ${s(median(rows.hopEntry!))}\n`,
);
