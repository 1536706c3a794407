/**
 * Start-up benchmark of the compiled CLI (`npm run bench:startup [-- ROUNDS]`, default 5 rounds;
 * needs `npm run build` first). Per round, in the same run, it measures the baseline `node -e 0`
 * and then:
 *   - `meshtrace --help` wall time (target ≤ 0.3 s),
 *   - one demo hop from spawn to its "listening" line, the compiled `lib/relay-hop.js` (target ≤ 0.5 s),
 *   - `meshtrace demo --json` wall time (target ≤ 3 s),
 * and prints medians with each as a ratio against the baseline's median. Numbers only, no assertions.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../src/paths';
import { machineLine } from './machine';

const BIN = join(REPO_ROOT, 'bin', 'meshtrace.mjs');
const HOP = join(REPO_ROOT, 'lib', 'relay-hop.js');
const rounds = Number(process.argv[2] ?? 5);

function wall(args: readonly string[]): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: performance.now() - t0, code }));
  });
}

/** Spawn → "relay … listening on" line; then SIGTERM and wait for the exit. */
async function hopStart(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [HOP, 'relay', '--listen', '127.0.0.1:0', '--service-name', 'bench'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let ms = NaN;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('relay bench listening on')) {
      ms = performance.now() - t0;
      break;
    }
  }
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

if (!existsSync(HOP)) {
  process.stderr.write(`bench:startup: ${HOP} is missing; run \`npm run build\` first\n`);
  process.exit(2);
}
process.stdout.write(`${machineLine()}\n`);
const rows = { baseline: [] as number[], help: [] as number[], hop: [] as number[], demo: [] as number[] };
let demoCodes: (number | null)[] = [];
for (let i = 0; i < rounds; i++) {
  rows.baseline.push((await wall(['-e', '0'])).ms);
  rows.help.push((await wall([BIN, '--help'])).ms);
  rows.hop.push(await hopStart());
  const demo = await wall([BIN, 'demo', '--json']);
  rows.demo.push(demo.ms);
  demoCodes = [...demoCodes, demo.code];
}
const base = median(rows.baseline);
const line = (name: string, xs: readonly number[], target?: number): string =>
  `${name.padEnd(24)} median ${s(median(xs))}  ×${(median(xs) / base).toFixed(1)} baseline${target ? `  (target ≤ ${s(target)})` : ''}  [${xs.map(s).join(', ')}]`;
process.stdout.write(
  [
    line('node -e 0 (baseline)', rows.baseline),
    line('meshtrace --help', rows.help, 300),
    line('demo hop start', rows.hop, 500),
    line('meshtrace demo --json', rows.demo, 3000),
    `demo exit codes: ${demoCodes.join(' ')}`,
  ].join('\n') + '\n',
);
