import { Command } from 'commander';
import { relative } from 'node:path';
import { CliError, EXIT_CANNOT_CHECK, setExitCode } from './exit-codes';
import type { DemoEvent, DemoOutcome } from '../demo/run-demo';
import { DEFAULT_DEMO_SPEC, DEFAULT_ENVOY_DEMO_SPEC } from '../demo/default-spec';
import type { EnvoyDemoEvent, EnvoyDemoOutcome } from '../demo/run-envoy-demo';
import { DEMO_HOPS } from '../demo/topology';
import { renderJson } from '../verify/reports/json';
import { formatDuration } from '../duration';
import { addReceiverLimitOptions, receiverLimits, type ReceiverLimitFlags } from './receiver-limits';
import { addDeprecatedAlias, deprecationNotice, durationFlagMs, useColor } from './flags';
import { PROPAGATION_FORMAT_NAMES } from '../relay/options';
import { formatNameOf, resolveFormatName } from '../propagation/format-names';
import type { HeaderFormat } from '../propagation/trace-context';

function envoyProgressLine(event: EnvoyDemoEvent): string | undefined {
  switch (event.type) {
    case 'envoy':
      return `  Envoy              ${event.envoy.path} (${event.envoy.source === 'flag' ? '--envoy' : event.envoy.source === 'peers' ? 'npm run peers cache' : 'PATH'})`;
    case 'receiver':
      return `  OTLP receiver      ${event.url}/v1/traces (in this process)`;
    case 'proxy-ready': {
      const p = event.proxy;
      return `  ✓ ${p.name.padEnd(20)} ${p.url.padEnd(24)} pid ${String(p.pid).padEnd(7)} up in ${s(p.startMs)}${p.serviceName ? `  spans as ${p.serviceName}` : '  (relay app, --fault drop-context)'}`;
    }
    case 'request': {
      const r = event.request;
      return `  → request ${event.index + 1}/${event.of}  trace ${r.traceId}  ${r.status !== undefined ? `HTTP ${r.status}` : `failed: ${r.error}`}  ${formatDuration(r.durationMs * 1000)}`;
    }
    case 'waiting':
      return `  … ${event.spans} spans received (waiting until every Envoy has flushed: they export every 5 s)`;
  }
}

async function envoyDemo(flags: DemoFlags, json: boolean, err: (line: string) => void): Promise<EnvoyDemoOutcome> {
  for (const [flag, set] of [
    ['--fault', flags.fault?.length],
    ['--propagate', flags.propagate?.length],
    ['--html', flags.html],
    ['--otlp-endpoint', flags.otlpEndpoint],
    ['--port', flags.port !== '0'],
  ] as const) {
    if (set)
      throw new CliError(
        `${flag} is not supported with --sidecars envoy; allowed there: --envoy, --break APP, --requests, --spec, --timeout, --json`,
        EXIT_CANNOT_CHECK,
      );
  }
  const requests = flags.requests === undefined ? undefined : wholeNumber('--requests', flags.requests, 1, 1000);
  const deadlineMs = flags.timeout === '60s' ? 90_000 : durationFlagMs('--timeout', flags.timeout);
  err(
    'meshtrace demo --sidecars envoy: istio-ingressgateway → productpage → {details, reviews → ratings}, a real Envoy per proxy configured the way Istio configures tracing, spans → embedded OTLP receiver',
  );
  // Loaded here, not at the top: its import graph (the receiver, the verifier, cdk8s) would be on every command's start.
  const { runEnvoyDemo } = await import('../demo/run-envoy-demo');
  return runEnvoyDemo({
    envoyPath: flags.envoy,
    specPath:
      flags.spec === relative(process.cwd(), DEFAULT_DEMO_SPEC) || flags.spec === DEFAULT_DEMO_SPEC ? DEFAULT_ENVOY_DEMO_SPEC : flags.spec,
    requests,
    breakApps: flags.break ?? [],
    deadlineMs,
    onEvent: (e) => {
      const line = envoyProgressLine(e);
      if (line) err(line);
    },
    onOutput: flags.verbose && !json ? (name, line) => process.stderr.write(`    [${name}] ${line}\n`) : undefined,
  });
}

interface DemoFlags extends ReceiverLimitFlags {
  break?: string[];
  fault?: string[];
  propagate?: string[];
  requests?: string;
  spec?: string;
  html?: string;
  otlpEndpoint?: string;
  port: string;
  timeout: string;
  json?: boolean;
  verbose?: boolean;
  sidecars: string;
  envoy?: string;
}

// No default array: commander would print `(default: [])` in --help.
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new CliError(`${flag} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`, EXIT_CANNOT_CHECK);
  }
  return Number(value);
}

// Progress and summary timings in one fixed format (phases of a run take seconds); a limit's own message uses formatDuration.
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** `--propagate hop:formats` with old format names noticed (the topology reads both spellings). */
function noticeOldFormatNames(values: readonly string[]): void {
  for (const value of values) {
    for (const typed of value.slice(value.indexOf(':') + 1).split(',')) {
      const resolved = resolveFormatName(typed);
      if (resolved?.deprecated) deprecationNotice(`format name ${resolved.deprecated}`, resolved.name);
    }
  }
}

/** One progress line per event, on stderr, so stdout stays the result. */
function progressLine(event: DemoEvent): string | undefined {
  switch (event.type) {
    case 'receiver':
      return `  OTLP receiver      ${event.url}/v1/traces (in this process)`;
    case 'hop-starting':
      return undefined;
    case 'hop-ready': {
      const h = event.hop;
      const config = [
        h.propagate.length ? `writes ${h.propagate.map((f) => formatNameOf(f as HeaderFormat)).join(',')}` : '',
        ...h.faults.map((f) => `fault ${f}`),
      ]
        .filter(Boolean)
        .join(', ');
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

/** A spec that expects what a fault does, to name in "try next" (the default spec fails on any fault). */
const SPEC_FOR_FAULT: readonly { readonly test: RegExp; readonly spec: string; readonly what: string }[] = [
  { test: /^status=/, spec: 'samples/expectations/relay-demo-errors.yaml', what: 'assert where the error goes' },
  { test: /^delay=/, spec: 'samples/expectations/relay-demo-delay.yaml', what: 'assert the bottleneck moved' },
];
const BRIDGING_SPEC = 'samples/expectations/relay-demo-bridging.yaml';

/**
 * Why a failed demo failed, in one line that matches what happened: a trace broken in transit (the
 * diagnosis above says where), no trace at all, or a whole trace whose services answered errors.
 */
export function failReason(outcome: DemoOutcome): string {
  const result = outcome.result;
  const diagnoses = result?.diagnoses ?? [];
  const noTrace = diagnoses.find((d) => d.kind === 'no-trace');
  if (noTrace) return `FAIL (no trace: ${noTrace.title})`;
  if (diagnoses.length > 0) return 'FAIL (the trace is broken: see the diagnosis above)';
  // per-trace assertions first (the first failing trace), then those about the set of traces
  const failedTrace = result?.traces.find((t) => !t.passed);
  const failed = [...(failedTrace?.assertions ?? []), ...(result?.assertions ?? [])].filter((a) => !a.passed);
  const errors = failed.find((a) => a.text.startsWith('noErrors'));
  if (errors) {
    const first = (errors.detail ?? '').split('; ')[0];
    return `FAIL (the trace is whole, but services answered errors — ${first}${(errors.detail ?? '').includes('; ') ? ', …' : ''} — and this spec allows none)`;
  }
  return `FAIL (${failed.length} assertion(s) do not hold: ${failed
    .slice(0, 2)
    .map((a) => a.text)
    .join('; ')}${failed.length > 2 ? '; …' : ''})`;
}

/** What to run next: after a fault, the spec written for it; after a plain pass, the faults to try. */
export function tryNext(outcome: DemoOutcome): string | undefined {
  const configured = outcome.hops.some((h) => h.faults.length > 0 || h.propagate.length > 0);
  if (!configured) {
    if (outcome.exitCode !== 0) return undefined;
    return (
      'try next: --break reviews (a hop loses the context) · --fault ratings:delay=300ms (move the bottleneck) · --fault details:status=500 (error spans) · --propagate reviews:b3multi (bridge formats)' +
      (outcome.htmlPath ? '' : ' · --html demo.html (a picture of the trace)')
    );
  }
  const hints = new Set<string>();
  for (const h of outcome.hops) {
    for (const f of h.faults) {
      const match = SPEC_FOR_FAULT.find((x) => x.test.test(f));
      if (match && !outcome.specPath.endsWith(match.spec)) hints.add(`--spec ${match.spec} (${h.name}:${f}: ${match.what})`);
    }
    if (h.propagate.length > 0 && !outcome.specPath.endsWith(BRIDGING_SPEC))
      hints.add(`--spec ${BRIDGING_SPEC} (${h.name} writes ${h.propagate.join(',')}: assert the bridging)`);
  }
  return hints.size ? `try next: the same flags with ${[...hints].join(' · ')}` : undefined;
}

function verdict(outcome: DemoOutcome): string {
  if (outcome.exitCode === 0) return 'PASS';
  if (outcome.exitCode === 1) return failReason(outcome);
  if (outcome.exportFailed)
    return `COULD NOT EXPORT (the traces ${outcome.result?.passed ? 'passed' : 'were verified'}, but the spans did not reach --otlp-endpoint)`;
  return 'COULD NOT RUN';
}

function summary(outcome: DemoOutcome): string {
  const t = outcome.timings;
  const lines: string[] = [];
  // What went wrong with the export comes before the verdict it changes.
  if (outcome.jaeger) lines.push(outcome.jaeger);
  lines.push(
    `demo: ${verdict(outcome)} in ${s(t.totalMs)} (start ${s(t.startMs)}, requests ${s(t.driveMs)}, spans ${s(t.pollMs)}, stop ${s(t.stopMs)}); ` +
      (outcome.leftRunning.length === 0
        ? `all ${outcome.pids.length} processes stopped`
        : `STILL RUNNING: pids ${outcome.leftRunning.join(' ')}`),
  );
  if (outcome.htmlPath) lines.push(`HTML report: ${outcome.htmlPath}`);
  // The first lab starts here: on a clean pass, what to try; after a fault, the spec written for it.
  const next = outcome.exitCode === 2 ? undefined : tryNext(outcome);
  if (next) lines.push(next);
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
        hops: outcome.hops.map((h) => ({
          name: h.name,
          url: h.url,
          pid: h.pid,
          startMs: Math.round(h.startMs),
          command: h.command,
          faults: h.faults,
          propagate: h.propagate,
        })),
        requests: outcome.requests.map((r) => ({ traceId: r.traceId, status: r.status, error: r.error, ms: Math.round(r.durationMs) })),
        polls: outcome.polls,
        timings: Object.fromEntries(Object.entries(outcome.timings).map(([k, v]) => [k, Math.round(v)])),
        pids: outcome.pids,
        leftRunning: outcome.leftRunning,
        html: outcome.htmlPath,
        jaeger: outcome.jaeger,
        verification: outcome.result
          ? JSON.parse(renderJson(outcome.result, { source: 'embedded OTLP receiver', polls: outcome.polls }))
          : undefined,
      },
      null,
      2,
    ) + '\n'
  );
}

/** `demo --sidecars envoy`: a real Envoy as gateway and sidecars. */
async function envoyDemoCommand(flags: DemoFlags, cmd: Command, json: boolean, err: (line: string) => void): Promise<void> {
  const outcome = await envoyDemo(flags, json, err);
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          exitCode: outcome.exitCode,
          passed: outcome.exitCode === 0,
          error: outcome.error,
          envoy: outcome.envoy,
          spec: outcome.specPath,
          proxies: outcome.proxies,
          requests: outcome.requests,
          pids: outcome.pids,
          leftRunning: outcome.leftRunning,
          verification: outcome.result ? JSON.parse(renderJson(outcome.result, { source: 'embedded OTLP receiver', polls: 1 })) : undefined,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    if (outcome.error) {
      err(`meshtrace demo: ${outcome.error}`);
      if (outcome.errorOutput?.length)
        err(
          outcome.errorOutput
            .slice(-10)
            .map((l) => `    | ${l}`)
            .join('\n'),
        );
    }
    if (outcome.result) {
      const color = useColor(cmd);
      const { renderTerminal } = await import('../verify/reports/terminal');
      process.stdout.write(
        '\n' +
          renderTerminal(outcome.result, [...outcome.traces, ...outcome.pool.filter((t) => !outcome.traces.includes(t))], {
            verbose: outcome.result.passed,
            color,
          }),
      );
    }
    process.stdout.write(
      `\ndemo --sidecars envoy: ${outcome.exitCode === 0 ? 'PASS' : outcome.exitCode === 1 ? 'FAIL (the trace is broken: see the diagnosis above)' : 'COULD NOT RUN'} in ${s(outcome.totalMs)}; ${outcome.leftRunning.length === 0 ? `all ${outcome.pids.length} processes stopped` : `STILL RUNNING: pids ${outcome.leftRunning.join(' ')}`}\n`,
    );
  }
  setExitCode(cmd, outcome.exitCode);
}

/** `demo` with relay hops (the default). */
async function relayDemoCommand(flags: DemoFlags, cmd: Command, json: boolean, err: (line: string) => void): Promise<void> {
  noticeOldFormatNames(flags.propagate ?? []);
  let options;
  try {
    options = {
      topology: {
        breakHops: flags.break ?? [],
        faults: flags.fault ?? [],
        propagate: flags.propagate ?? [],
        edgePort: wholeNumber('--port', flags.port, 0, 65535),
      },
      requests: flags.requests === undefined ? undefined : wholeNumber('--requests', flags.requests, 1, 1000),
      specPath: flags.spec,
      htmlPath: flags.html,
      otlpEndpoint: flags.otlpEndpoint,
      deadlineMs: durationFlagMs('--timeout', flags.timeout),
      receiverLimits: receiverLimits(flags),
    };
  } catch (e) {
    // `--json` promises one JSON document, bad flags included.
    if (!json || !(e instanceof CliError)) throw e;
    process.stdout.write(
      JSON.stringify({ exitCode: e.exitCode, passed: false, error: e.message, pids: [], leftRunning: [] }, null, 2) + '\n',
    );
    setExitCode(cmd, e.exitCode);
    return;
  }
  // The banner waits for the first progress event: options runDemo refuses end the run before anything started.
  let started = false;
  // Loaded per command, so `meshtrace --help` does not load the receiver and the verifier.
  const { runDemo } = await import('../demo/run-demo');
  const outcome = await runDemo({
    ...options,
    onEvent: (event) => {
      if (event.type === 'stopping' && event.pids.length === 0) return;
      if (!started)
        err(`meshtrace demo: edge → productpage → {details, reviews → ratings}, one relay process per hop, spans → embedded OTLP receiver`);
      started = true;
      const line = progressLine(event);
      if (line) err(line);
    },
    onHopOutput: flags.verbose && !json ? (hop, line) => process.stderr.write(`    [${hop}] ${line}\n`) : undefined,
  });
  if (json) {
    process.stdout.write(demoJson(outcome));
  } else if (!started && outcome.error !== undefined && outcome.pids.length === 0) {
    // Refused before anything ran: the one wrong thing, as for any other bad flag.
    err(`meshtrace: ${outcome.error}`);
  } else {
    if (outcome.error) {
      err(`meshtrace demo: ${outcome.error}`);
      if (outcome.errorOutput?.length) err(outcome.errorOutput.map((l) => `    | ${l}`).join('\n'));
    }
    if (outcome.result) {
      const color = useColor(cmd);
      const { renderTerminal } = await import('../verify/reports/terminal');
      process.stdout.write(
        '\n' +
          renderTerminal(outcome.result, [...outcome.traces, ...outcome.pool.filter((t) => !outcome.traces.includes(t))], {
            verbose: outcome.result.passed,
            color,
          }),
      );
    }
    process.stdout.write('\n' + summary(outcome));
  }
  setExitCode(cmd, outcome.exitCode);
}

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description(
      `run the whole loop locally: ${DEMO_HOPS.length} relay processes shaped like Bookinfo (edge → productpage → {details, reviews → ratings}) export spans to an embedded OTLP receiver; requests are driven through the edge and the traces verified`,
    )
    .option(
      '--break <hop>',
      `make HOP drop the trace context on its outgoing calls (the verifier must fail and name it); hops: ${DEMO_HOPS.join(', ')} (repeatable)`,
      collect,
    )
    .option(
      '--fault <hop:fault>',
      'inject a relay fault at a hop: drop-context | delay=200ms | status=500 | reset, each optionally @fraction (repeatable)',
      collect,
    )
    .option(
      '--propagate <hop:formats>',
      `formats a hop writes, e.g. reviews:b3multi (${PROPAGATION_FORMAT_NAMES.join(', ')}; repeatable)`,
      collect,
    )
    .option('--requests <n>', "requests to drive (default: the spec's trigger.requests, else 3)")
    .option('--spec <file>', 'expectations to verify', relative(process.cwd(), DEFAULT_DEMO_SPEC) || DEFAULT_DEMO_SPEC)
    .option('--html <file>', 'write a self-contained HTML report (waterfall, critical path, errors, assertions)')
    .option(
      '--otlp-endpoint <url>',
      "also send the spans to this OTLP/HTTP endpoint, e.g. a real Jaeger's collector: http://127.0.0.1:4318",
    )
    .option('--port <port>', 'port of the edge hop on 127.0.0.1 (0 = any free port)', '0')
    .option('--timeout <duration>', 'deadline for the whole demo', '60s');
  addReceiverLimitOptions(command)
    .option('--json', 'print one JSON document (no progress, no tree)')
    .option('--verbose', 'also print every line the relay hops write')
    .option(
      '--sidecars <kind>',
      'relay: relay hops (default); envoy: a real Envoy as gateway and sidecar per app, configured like Istio (needs an Envoy: --envoy, npm run peers, or PATH)',
      'relay',
    )
    .option('--envoy <path>', 'the Envoy binary for --sidecars envoy')
    .action(async (flags: DemoFlags, cmd: Command) => {
      const json = flags.json ?? false;
      const err = (line: string): void => {
        if (!json) process.stderr.write(`${line}\n`);
      };
      if (flags.sidecars !== 'relay' && flags.sidecars !== 'envoy')
        throw new CliError(`--sidecars ${JSON.stringify(flags.sidecars)}: expected relay or envoy`, EXIT_CANNOT_CHECK);
      if (flags.envoy !== undefined && flags.sidecars !== 'envoy') throw new CliError('--envoy needs --sidecars envoy', EXIT_CANNOT_CHECK);
      if (flags.sidecars === 'envoy') await envoyDemoCommand(flags, cmd, json, err);
      else await relayDemoCommand(flags, cmd, json, err);
    });
  // The old name of --otlp-endpoint: it never pointed at Jaeger's query API, which --jaeger-url means elsewhere.
  addDeprecatedAlias(command, '--jaeger-url <url>', '--otlp-endpoint', 'otlpEndpoint');
}
