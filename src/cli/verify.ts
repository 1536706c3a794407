import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK, setExitCode } from './exit-codes';
import type { DriveResult, OtlpReceiver, Spec, TraceSource } from '../verify';
import { addReceiverLimitOptions, receiverLimits, type ReceiverLimitFlags } from './receiver-limits';
import type { DriverSampling, PropagationFormatName } from '../verify/spec';
import { addDeprecatedAlias, durationFlagMs, formatNamesFlag, useColor } from './flags';
import { formatDuration } from '../duration';

interface VerifyFlags extends ReceiverLimitFlags {
  spec: string;
  jaegerUrl?: string;
  zipkinUrl?: string;
  traceFile?: string;
  otlpListen?: string;
  trigger?: string;
  requests?: string;
  concurrency?: string;
  method?: string;
  header: string[];
  propagate?: string;
  sampling?: string;
  traceId: string[];
  timeout?: string;
  pollInterval?: string;
  jaegerApi: 'auto' | 'v3' | 'legacy';
  jaegerUi?: string;
  lookback: string;
  junit?: string;
  json?: boolean;
  verbose?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const FORMATS: readonly PropagationFormatName[] = ['w3c', 'b3', 'b3multi', 'jaeger', 'envoy'];

const durationMs = durationFlagMs;

function positiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new CliError(`${flag}: invalid value ${JSON.stringify(value)}; expected a whole number ≥ 1`);
  return Number(value);
}

function hostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new CliError(
      `--otlp-listen: invalid value ${JSON.stringify(value)}; expected HOST:PORT, e.g. 127.0.0.1:4318 (port 0 picks a free one)`,
    );
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function headers(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of values) {
    const i = h.indexOf(':');
    if (i <= 0) throw new CliError(`--header: invalid value ${JSON.stringify(h)}; expected "Name: value"`);
    out[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  return out;
}

function propagation(value: string | undefined, spec: Spec): PropagationFormatName[] {
  if (value === undefined) return [...(spec.trigger?.propagation ?? ['w3c'])];
  return formatNamesFlag('--propagate', value, FORMATS);
}

/** `--sampling sampled|deferred` (default: the spec's trigger.sampling); deferred needs B3 formats. */
function driverSampling(
  value: string | undefined,
  spec: Spec,
  formats: readonly PropagationFormatName[],
  deferredSamplingProblem: (formats: readonly PropagationFormatName[]) => string | undefined,
): DriverSampling {
  const decision = value ?? spec.trigger?.sampling ?? 'sampled';
  if (decision !== 'sampled' && decision !== 'deferred')
    throw new CliError(`--sampling: invalid value ${JSON.stringify(decision)}; allowed: sampled, deferred`, EXIT_CANNOT_CHECK);
  const problem = decision === 'deferred' ? deferredSamplingProblem(formats) : undefined;
  if (problem) throw new CliError(`--sampling deferred ${problem} (e.g. --propagate b3)`, EXIT_CANNOT_CHECK);
  return decision;
}

/** `meshtrace verify … | head` closes stdout early: that ends the output, it is not a crash. */
function tolerateClosedStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

type VerifyApi = typeof import('../verify');

/** The flags and the spec, checked and resolved (in the order their errors are reported). */
interface VerifyInputs {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Where to drive requests; undefined for a file or given trace ids. */
  readonly triggerUrl?: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly extraHeaders: Record<string, string>;
  readonly formats: PropagationFormatName[];
  readonly sampling: DriverSampling;
  readonly lookbackUs: number;
  readonly limits: ReturnType<typeof receiverLimits>;
}

function verifyInputs(
  flags: VerifyFlags,
  spec: Spec,
  deferredSamplingProblem: (formats: readonly PropagationFormatName[]) => string | undefined,
): VerifyInputs {
  const timeoutMs = flags.timeout !== undefined ? durationMs('--timeout', flags.timeout) : spec.poll.timeoutUs / 1000;
  const intervalMs = flags.pollInterval !== undefined ? durationMs('--poll-interval', flags.pollInterval) : spec.poll.intervalUs / 1000;
  // The spec's trigger.url is the default for live sources only; a file or given trace ids are judged as they are.
  const triggerUrl = flags.trigger ?? (flags.traceFile !== undefined || flags.traceId.length > 0 ? undefined : spec.trigger?.url);
  if (triggerUrl !== undefined && flags.traceFile !== undefined)
    throw new CliError('--trigger drives live requests; it cannot be combined with --trace-file', EXIT_CANNOT_CHECK);
  const requests = flags.requests !== undefined ? positiveInt('--requests', flags.requests) : (spec.trigger?.requests ?? 1);
  const concurrency = flags.concurrency !== undefined ? positiveInt('--concurrency', flags.concurrency) : (spec.trigger?.concurrency ?? 1);
  const extraHeaders = { ...spec.trigger?.headers, ...headers(flags.header) };
  const formats = propagation(flags.propagate, spec);
  const sampling = driverSampling(flags.sampling, spec, formats, deferredSamplingProblem);
  const lookbackUs = durationMs('--lookback', flags.lookback) * 1000;
  const limits = receiverLimits(flags);
  return {
    timeoutMs,
    intervalMs,
    ...(triggerUrl !== undefined ? { triggerUrl } : {}),
    requests,
    concurrency,
    extraHeaders,
    formats,
    sampling,
    lookbackUs,
    limits,
  };
}

async function loadVerifySpec(api: VerifyApi, path: string): Promise<Spec> {
  try {
    return await api.loadSpec(path);
  } catch (err) {
    if (err instanceof api.SpecError) throw new CliError(err.message, EXIT_CANNOT_CHECK);
    throw err;
  }
}

/** The one trace source the flags name; `receiver` when this process listens (closed by the caller). */
async function openTraceSource(
  api: VerifyApi,
  flags: VerifyFlags,
  inputs: VerifyInputs,
): Promise<{ source: TraceSource; receiver?: OtlpReceiver; uiUrl?: string }> {
  if (flags.traceFile !== undefined) {
    const traces = await api.loadTraceFile(flags.traceFile).catch((err: unknown) => {
      if (err instanceof api.TraceFileError) throw new CliError(err.message, EXIT_CANNOT_CHECK);
      throw err;
    });
    return { source: api.staticSource(traces, `file ${flags.traceFile}`), uiUrl: flags.jaegerUi };
  }
  if (flags.otlpListen !== undefined) {
    const { host, port } = hostPort(flags.otlpListen);
    const receiver = await api.startOtlpReceiver({ host, port, ...inputs.limits }).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(
        `--otlp-listen ${flags.otlpListen}: cannot listen (${err.code ?? err.message}); pick another port or 0`,
        EXIT_CANNOT_CHECK,
      );
    });
    process.stderr.write(`meshtrace verify: OTLP/HTTP receiver on ${receiver.url}/v1/traces (protobuf or JSON)\n`);
    return { source: api.receiverSource(receiver), receiver, uiUrl: flags.jaegerUi };
  }
  if (flags.zipkinUrl !== undefined) {
    const baseUrl = flags.zipkinUrl;
    if (!/^https?:\/\//.test(baseUrl))
      throw new CliError(
        `--zipkin-url: invalid value ${JSON.stringify(baseUrl)}; expected http(s)://host:9411[/base-path]`,
        EXIT_CANNOT_CHECK,
      );
    return {
      source: api.zipkinSource(await api.connectZipkin({ baseUrl, timeoutMs: Math.min(10_000, inputs.timeoutMs) }), baseUrl, {
        lookbackUs: inputs.lookbackUs,
      }),
      uiUrl: flags.jaegerUi,
    };
  }
  const baseUrl = flags.jaegerUrl!;
  if (!/^https?:\/\//.test(baseUrl))
    throw new CliError(
      `--jaeger-url: invalid value ${JSON.stringify(baseUrl)}; expected http(s)://host:16686[/base-path]`,
      EXIT_CANNOT_CHECK,
    );
  const client = await api.connectJaeger({ baseUrl, timeoutMs: Math.min(10_000, inputs.timeoutMs) }, flags.jaegerApi);
  return { source: api.jaegerSource(client, baseUrl, { lookbackUs: inputs.lookbackUs }), uiUrl: flags.jaegerUi ?? baseUrl };
}

/** Drives the trigger requests; fails only when every one failed (some failing is reported and judged). */
async function driveTrigger(
  api: VerifyApi,
  flags: VerifyFlags,
  spec: Spec,
  inputs: VerifyInputs,
  triggerUrl: string,
): Promise<DriveResult> {
  const driven = await api.drive({
    url: triggerUrl,
    method: flags.method ?? spec.trigger?.method ?? 'GET',
    headers: inputs.extraHeaders,
    ...(spec.trigger?.body !== undefined ? { body: spec.trigger.body } : {}),
    requests: inputs.requests,
    concurrency: inputs.concurrency,
    propagation: inputs.formats,
    ...(inputs.sampling === 'deferred' ? { deferSampling: true } : {}),
    timeoutMs: Math.min(10_000, inputs.timeoutMs),
  });
  const failed = driven.requests.filter((r) => r.error !== undefined);
  if (failed.length === driven.requests.length) {
    throw new CliError(
      `--trigger ${triggerUrl}: every request failed (${failed[0]!.error}); is the application reachable (port-forward, ingress address)?`,
      EXIT_CANNOT_CHECK,
    );
  }
  if (failed.length > 0)
    process.stderr.write(
      `meshtrace verify: ${failed.length} of ${driven.requests.length} requests to ${triggerUrl} failed: ${failed[0]!.error}\n`,
    );
  const expect = spec.trigger?.expectStatus;
  const badStatus = expect !== undefined ? driven.requests.filter((r) => r.status !== undefined && r.status !== expect) : [];
  if (badStatus.length)
    process.stderr.write(`meshtrace verify: ${badStatus.length} response(s) were not HTTP ${expect} (first: ${badStatus[0]!.status})\n`);
  return driven;
}

type PollOutcome = Awaited<ReturnType<VerifyApi['pollAndVerify']>>;

/** The verdict on stdout (terminal or JSON) and in the JUnit file, and the exit code. */
async function reportVerdict(
  api: VerifyApi,
  flags: VerifyFlags,
  cmd: Command,
  outcome: PollOutcome,
  source: TraceSource,
  uiUrl: string | undefined,
): Promise<void> {
  const elapsedMs = outcome.elapsedMs;
  if (flags.junit) {
    await writeFile(flags.junit, api.renderJunit(outcome.result, elapsedMs)).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`--junit ${flags.junit}: cannot write (${err.code ?? err.message})`, EXIT_CANNOT_CHECK);
    });
  }
  if (flags.json) {
    process.stdout.write(
      api.renderJson(outcome.result, {
        ...(uiUrl ? { jaegerUiUrl: uiUrl } : {}),
        polls: outcome.polls,
        elapsedMs,
        source: source.description,
      }),
    );
  } else {
    process.stdout.write(
      api.renderTerminal(outcome.result, outcome.traces, {
        color: useColor(cmd),
        verbose: flags.verbose ?? false,
        ...(uiUrl ? { jaegerUiUrl: uiUrl } : {}),
      }),
    );
    if (!outcome.result.passed || flags.verbose) {
      process.stdout.write(
        `${outcome.polls} poll(s) of ${source.description} in ${formatDuration(elapsedMs * 1000)}, stopped: ${outcome.stoppedBy === 'stable' ? 'span count stable' : outcome.stoppedBy}; ${outcome.spansSeen} span(s) seen\n`,
      );
    }
  }
  setExitCode(cmd, outcome.result.passed ? EXIT_OK : EXIT_FAILED);
}

async function runVerify(flags: VerifyFlags, cmd: Command): Promise<void> {
  tolerateClosedStdout();
  // Loaded per command, so `meshtrace --help` does not load the spec parser, HTTP client and receiver.
  const api = await import('../verify');
  const { deferredSamplingProblem } = await import('../verify/spec');
  const sources = [flags.jaegerUrl, flags.zipkinUrl, flags.traceFile, flags.otlpListen].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new CliError(
      `give exactly one trace source: --jaeger-url URL, --zipkin-url URL, --trace-file FILE or --otlp-listen HOST:PORT (got ${sources.length})`,
      EXIT_CANNOT_CHECK,
    );
  }
  const spec = await loadVerifySpec(api, flags.spec);
  const inputs = verifyInputs(flags, spec, deferredSamplingProblem);
  let receiver: OtlpReceiver | undefined;
  try {
    const opened = await openTraceSource(api, flags, inputs);
    receiver = opened.receiver;
    const driven = inputs.triggerUrl !== undefined ? await driveTrigger(api, flags, spec, inputs, inputs.triggerUrl) : undefined;
    const traceIds = driven ? driven.traceIds : flags.traceId.length ? flags.traceId : undefined;
    const showProgress = process.stderr.isTTY && !flags.json;
    const outcome = await api.pollAndVerify(spec, opened.source, {
      ...(traceIds ? { traceIds } : {}),
      ...(driven
        ? { driver: driven.report, requests: driven.requests.length, window: { startUs: driven.startedAtUs, endUs: driven.endedAtUs } }
        : {}),
      intervalMs: inputs.intervalMs,
      timeoutMs: inputs.timeoutMs,
      // Progress only for a person watching a terminal; CI logs stay quiet until the verdict.
      ...(showProgress
        ? {
            onPoll: (poll: number, r: { spansSeen: number; traces: readonly { passed: boolean }[] }) =>
              process.stderr.write(
                `\rmeshtrace verify: poll ${poll}, ${r.spansSeen} span(s), ${r.traces.filter((t) => t.passed).length}/${r.traces.length} trace(s) match…`,
              ),
          }
        : {}),
    });
    if (showProgress) process.stderr.write('\r\u001b[K');
    await reportVerdict(api, flags, cmd, outcome, opened.source, opened.uiUrl);
  } catch (err) {
    if (err instanceof api.BackendUnreachableError) {
      const hint =
        flags.zipkinUrl !== undefined
          ? 'try: kubectl -n <namespace> port-forward svc/zipkin 9411:9411, then --zipkin-url http://127.0.0.1:9411'
          : 'try: kubectl -n observability port-forward svc/jaeger-query 16686:16686, then --jaeger-url http://127.0.0.1:16686 (add the base path, e.g. /jaeger, if Jaeger runs with one)';
      throw new CliError(`${err.message}\n  ${hint}`, EXIT_CANNOT_CHECK);
    }
    throw err;
  } finally {
    await receiver?.close();
  }
}

export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .description(
      'drive requests, fetch the traces, assert their shape, and explain a broken trace (exit 0 holds, 1 fails, 2 could not check)',
    )
    .requiredOption('--spec <file>', 'trace expectation (YAML), e.g. samples/expectations/bookinfo.yaml')
    .option('--jaeger-url <url>', 'Jaeger query base URL, with any base path (http://127.0.0.1:16686/jaeger)')
    .option('--zipkin-url <url>', 'Zipkin base URL (API v2), with any base path (http://127.0.0.1:9411)')
    .option(
      '--trace-file <file>',
      'a trace file, format told by its shape: Jaeger UI JSON, Jaeger /api/v3, Zipkin /api/v2 or Grafana Tempo /api/traces/{id} answer, OTLP/JSON',
    )
    .option('--otlp-listen <host:port>', 'run an OTLP/HTTP receiver and verify what arrives (port 0: any free port)');
  addReceiverLimitOptions(command)
    .option('--trigger <url>', "send requests here with a fresh sampled trace context (default: the spec's trigger.url)")
    .option('--requests <n>', 'requests to send (default: spec trigger.requests or 1)')
    .option('--concurrency <n>', 'requests in flight at once')
    .option('--method <method>', 'HTTP method for the trigger')
    .option('--header <name:value>', 'extra request header (repeatable)', collect, [])
    .option(
      '--propagate <formats>',
      `context formats to send, comma-separated: ${FORMATS.join(', ')} (default: spec trigger.propagation or w3c)`,
    )
    .option(
      '--sampling <decision>',
      'decision the driver sends: sampled, or deferred (B3 ids without a decision: the first hop samples; for rules.sampling) (default: spec trigger.sampling or sampled)',
    )
    .option('--trace-id <id>', 'verify this trace id without driving (repeatable)', collect, [])
    .option('--timeout <duration>', 'give up after this long (default: spec poll.timeout or 30s)')
    .option('--poll-interval <duration>', 'time between polls (default: spec poll.interval or 1s)')
    .addOption(new Option('--jaeger-api <api>', 'Jaeger query API').choices(['auto', 'v3', 'legacy']).default('auto'))
    .option('--jaeger-ui <url>', 'Jaeger UI base for trace links (default: --jaeger-url)')
    .option('--lookback <duration>', 'search window when no trace id is known (Jaeger, Zipkin)', '15m')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--json', 'print one JSON document instead of the terminal report')
    .option('--verbose', 'print the trace tree and every assertion even on success')
    .action(async (flags: VerifyFlags, cmd: Command) => {
      await runVerify(flags, cmd);
    });
  addDeprecatedAlias(command, '--propagation <formats>', '--propagate', 'propagate');
}
