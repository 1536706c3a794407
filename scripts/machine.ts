/**
 * What every benchmark prints before its numbers (team charter: nproc, CPU model from
 * /proc/cpuinfo, node version), so results in BENCHMARKS.md can be compared across runs.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

export interface Machine {
  /** CPUs this process may use (what `nproc` prints). */
  readonly nproc: number;
  /** `model name` from /proc/cpuinfo; Node's CPU model where there is no /proc (macOS). */
  readonly cpu: string;
  readonly node: string;
  /** 1, 5 and 15 minute load averages at the time of the call, one decimal. */
  readonly loadavg: string;
}

export function machine(): Machine {
  let cpu: string | undefined;
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
  } catch {
    cpu = undefined;
  }
  return {
    nproc: availableParallelism(),
    cpu: cpu ?? cpus()[0]?.model ?? 'unknown CPU',
    node: process.version,
    loadavg: loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  };
}

/** `machine: nproc N; CPU …; node vX; load average a b c` */
export function machineLine(m: Machine = machine()): string {
  return `machine: nproc ${m.nproc}; CPU ${m.cpu}; node ${m.node}; load average ${m.loadavg}`;
}
