import { Command } from 'commander';
import { relative } from 'node:path';
import { CliError, EXIT_CANNOT_CHECK, setExitCode } from './exit-codes';
import { DEFAULT_DEMO_SPEC, runDemo, type DemoEvent, type DemoOutcome } from '../demo/run-demo';
import { DEMO_HOPS } from '../demo/topology';
import { renderTerminal } from '../verify/reports/terminal';
import { renderJson } from '../verify/reports/json';
import { formatDuration } from '../verify/duration';
import { addReceiverLimitOptions, receiverLimits, type ReceiverLimitFlags } from './receiver-limits';

interface DemoFlags extends ReceiverLimitFlags {
  break?: string[];
  fault?: string[];
  propagate?: string[];
  requests?: string;
  spec?: string;
  html?: string;
  jaegerUrl?: string;
  port: string;
  timeout: string;
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

// No default array: commander would print `(default: [])` in --help.
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new CliError(`${flag} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`, EXIT_CANNOT_CHECK);
  }
  return Number(value);
}

function seconds(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m || Number(m[1]) <= 0) throw new CliError(`${flag} ${JSON.stringify(value)}: expected a duration such as 60s, 90s or 2m`, EXIT_CANNOT_CHECK);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One progress line per event, on stderr, so stdout stays the result. */
function progressLine(event: DemoEvent): string | undefined {
  switch (event.type) {
    case 'receiver':
      return `  OTLP receiver      ${event.url}/v1/traces (in this process)`;
    case 'hop-starting':
      return undefined;
    case 'hop-ready': {
      const h = event.hop;
      const config = [h.propagate.length ? `writes ${h.propagate.join(',')}` : '', ...h.faults.map((f) => `fault ${f}`)].filter(Boolean).join(', ');
      return `  ✓ ${h.name.padEnd(16)} ${h.url.padEnd(24)} pid ${String(h.pid).padEnd(7)} up in ${s(h.startMs)}${config ? `  (${config})` : ''}`;
    }
    case 'request': {
      const r = event.request;
      const outcome = r.status !== undefined ? `HTTP ${r.status}` : `failed: ${r.error}`;
      return `  → request ${event.index + 1}/${event.of}  trace ${r.traceId}  ${outcome}  ${formatDuration(r.durationMs * 1000)}`;
    }
    case 'poll':
      return `  … poll ${event.poll}: ${event.spans} spans received, ${event.complete}/${event.of} driven traces seen`;
    case 'stopping':
      return event.pids.length ? `  stopping ${event.pids.length} relay processes (pids ${event.pids.join(' ')})` : undefined;
    case 'note':
      return undefined; // shown in the summary
  }
}

function summary(outcome: DemoOutcome): string {
  const t = outcome.timings;
  const lines = [
    `demo: ${outcome.exitCode === 0 ? 'PASS' : outcome.exitCode === 1 ? 'FAIL (the trace is broken: see the diagnosis above)' : 'COULD NOT RUN'} in ${s(t.totalMs)} (start ${s(t.startMs)}, requests ${s(t.driveMs)}, spans ${s(t.pollMs)}, stop ${s(t.stopMs)}); ` +
      (outcome.leftRunning.length === 0 ? `all ${outcome.pids.length} processes stopped` : `STILL RUNNING: pids ${outcome.leftRunning.join(' ')}`),
  ];
  if (outcome.htmlPath) lines.push(`HTML report: ${outcome.htmlPath}`);
  // The first lab starts here: on a clean pass, say what to try next.
  const configured = outcome.hops.some((h) => h.faults.length > 0 || h.propagate.length > 0);
  if (outcome.exitCode === 0 && !configured) {
    lines.push('try next: --break reviews (a hop loses the context) · --fault ratings:delay=300ms (move the bottleneck) · --propagate reviews:b3multi (bridge formats)' + (outcome.htmlPath ? '' : ' · --html demo.html (a picture of the trace)'));
  }
  if (outcome.jaeger) lines.push(outcome.jaeger);
  return lines.join('\n') + '\n';
}

/** The one JSON document of `--json`: the demo's own facts plus the verifier's JSON report. */
export function demoJson(outcome: DemoOutcome): string {
  return (
    JSON.stringify(
      {
        exitCode: outcome.exitCode,
        passed: outcome.exitCode === 0,
        error: outcome.error,
        errorOutput: outcome.errorOutput,
        spec: outcome.specPath,
        hops: outcome.hops.map((h) => ({ name: h.name, url: h.url, pid: h.pid, startMs: Math.round(h.startMs), command: h.command, faults: h.faults, propagate: h.propagate })),
        requests: outcome.requests.map((r) => ({ traceId: r.traceId, status: r.status, error: r.error, ms: Math.round(r.durationMs) })),
        polls: outcome.polls,
        timings: Object.fromEntries(Object.entries(outcome.timings).map(([k, v]) => [k, Math.round(v)])),
        pids: outcome.pids,
        leftRunning: outcome.leftRunning,
        html: outcome.htmlPath,
        jaeger: outcome.jaeger,
        verification: outcome.result ? JSON.parse(renderJson(outcome.result, { source: 'embedded OTLP receiver', polls: outcome.polls })) : undefined,
      },
      null,
      2,
    ) + '\n'
  );
}

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description(`run the whole loop locally: ${DEMO_HOPS.length} relay processes shaped like Bookinfo (edge → productpage → {details, reviews → ratings}) export spans to an embedded OTLP receiver; requests are driven through the edge and the traces verified`)
    .option('--break <hop>', `make HOP drop the trace context on its outgoing calls (the verifier must fail and name it); hops: ${DEMO_HOPS.join(', ')} (repeatable)`, collect)
    .option('--fault <hop:fault>', 'inject a relay fault at a hop: drop-context | delay=200ms | status=500 | reset, each optionally @fraction (repeatable)', collect)
    .option('--propagate <hop:formats>', 'formats a hop writes, e.g. reviews:b3multi (w3c, b3multi, b3single, jaeger; repeatable)', collect)
    .option('--requests <n>', 'requests to drive (default: the spec\'s trigger.requests, else 3)')
    .option('--spec <file>', 'expectations to verify', relative(process.cwd(), DEFAULT_DEMO_SPEC) || DEFAULT_DEMO_SPEC)
    .option('--html <file>', 'write a self-contained HTML report (waterfall, critical path, errors, assertions)')
    .option('--jaeger-url <url>', 'also send the spans to a real Jaeger\'s OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318')
    .option('--port <port>', 'port of the edge hop on 127.0.0.1 (0 = any free port)', '0')
    .option('--timeout <duration>', 'deadline for the whole demo', '60s');
  addReceiverLimitOptions(command)
    .option('--json', 'print one JSON document (no progress, no tree)')
    .option('--verbose', 'also print every line the relay hops write')
    .option('--no-color', 'no ANSI colours')
    .action(async (flags: DemoFlags, cmd: Command) => {
      const json = flags.json ?? false;
      const err = (line: string): void => {
        if (!json) process.stderr.write(`${line}\n`);
      };
      let options;
      try {
        options = {
          topology: { breakHops: flags.break ?? [], faults: flags.fault ?? [], propagate: flags.propagate ?? [], edgePort: wholeNumber('--port', flags.port, 0, 65535) },
          requests: flags.requests === undefined ? undefined : wholeNumber('--requests', flags.requests, 1, 1000),
          specPath: flags.spec,
          htmlPath: flags.html,
          jaegerUrl: flags.jaegerUrl,
          deadlineMs: seconds('--timeout', flags.timeout),
          receiverLimits: receiverLimits(flags),
        };
      } catch (e) {
        // `--json` promises one JSON document, bad flags included.
        if (!json || !(e instanceof CliError)) throw e;
        process.stdout.write(JSON.stringify({ exitCode: e.exitCode, passed: false, error: e.message, pids: [], leftRunning: [] }, null, 2) + '\n');
        setExitCode(cmd, e.exitCode);
        return;
      }
      err(`meshtrace demo: edge → productpage → {details, reviews → ratings}, one relay process per hop, spans → embedded OTLP receiver`);
      const outcome = await runDemo({
        ...options,
        onEvent: (event) => {
          const line = progressLine(event);
          if (line) err(line);
        },
        onHopOutput: flags.verbose && !json ? (hop, line) => process.stderr.write(`    [${hop}] ${line}\n`) : undefined,
      });
      if (json) {
        process.stdout.write(demoJson(outcome));
      } else {
        if (outcome.error) {
          err(`meshtrace demo: ${outcome.error}`);
          if (outcome.errorOutput?.length) err(outcome.errorOutput.map((l) => `    | ${l}`).join('\n'));
        }
        if (outcome.result) {
          const color = (flags.color ?? true) && process.stdout.isTTY === true;
          process.stdout.write('\n' + renderTerminal(outcome.result, [...outcome.traces, ...outcome.pool.filter((t) => !outcome.traces.includes(t))], { verbose: outcome.result.passed, color }));
        }
        process.stdout.write('\n' + summary(outcome));
      }
      setExitCode(cmd, outcome.exitCode);
    });
}
