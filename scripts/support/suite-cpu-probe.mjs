/**
 * Jest setup file for `npm run bench:tests` (never part of `npm test`): appends one line per test
 * file to $MESHTRACE_SUITE_CPU_LOG when the file starts and when its own tests end — the worker's
 * pid, the file, and the CPU seconds so far of the worker and every child it has reaped
 * (/proc/self/stat: utime + stime + cutime + cstime). A worker runs its files one after another,
 * so the difference between two consecutive starts in one worker is the CPU of the earlier file,
 * the real programs it started and stopped included.
 */
import { appendFileSync, readFileSync } from 'node:fs';

const log = process.env.MESHTRACE_SUITE_CPU_LOG;

function cpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): utime, stime, cutime, cstime are fields 14–17, in clock ticks (100 Hz)
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

function mark(event) {
  if (!log) return;
  const file = expect.getState().testPath;
  appendFileSync(log, `${JSON.stringify({ pid: process.pid, event, file, cpu: cpuSeconds(), at: Date.now() })}\n`);
}

beforeAll(() => mark('start'));
afterAll(() => mark('end'));
