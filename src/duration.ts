/**
 * Durations in specs and flags: `250us`, `500ms`, `2s`, `1.5m`, `1h`; a bare number means milliseconds.
 * A leaf module (imports nothing): the verifier's specs and the relay's flags read the same syntax.
 */

const UNITS_US: Readonly<Record<string, number>> = { ns: 0.001, us: 1, µs: 1, ms: 1000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };

/** Parses to microseconds; `undefined` when the text is not a duration. */
export function parseDurationUs(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?\s*$/.exec(input);
  if (!m) return undefined;
  return Number(m[1]) * UNITS_US[m[2] ?? 'ms']!;
}

/** Human text for a µs duration, the unit chosen for 3 significant digits (`1.75s`, `50ms`, `120µs`). */
export function formatDuration(us: number): string {
  us = Math.round(us * 1000) / 1000;
  if (us >= 60_000_000) return `${trim(us / 60_000_000)}m`;
  if (us >= 1_000_000) return `${trim(us / 1_000_000)}s`;
  if (us >= 1000) return `${trim(us / 1000)}ms`;
  return `${trim(us)}µs`;
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? String(Number(n.toFixed(1))) : String(Number(n.toFixed(2)));
}
