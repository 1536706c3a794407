import { Command, Option } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_OK, setExitCode } from './exit-codes';
import {
  DEFAULT_MAX_HEADER_BYTES,
  parseDurationMs,
  parseKeyValues,
  parsePropagate,
  RelayOptionError,
  type RelayOptions,
} from '../relay/options';
import { FaultSyntaxError, formatFault } from '../faults';
import { tuneRelayProcess } from '../relay/process-tuning';
import type { RunningRelay } from '../relay';
import { PROPAGATION_FORMAT_NAMES } from '../relay/options';
import { deprecationNotice } from './flags';

interface RelayFlags {
  listen: string;
  upstream?: string[];
  serviceName: string;
  fanout?: boolean;
  propagate?: string[];
  accept?: string[];
  otlpEndpoint?: string;
  otlpProtocol: 'http/protobuf' | 'http/json';
  fault?: string[];
  connectTimeout: string;
  responseTimeout: string;
  maxHeaderSize: string;
  spanAttribute?: string[];
  baggage?: string[];
  baggageAttribute?: string[];
  sampleRate: string;
  adminListen?: string;
  upstreamConnections: string;
  shutdownTimeout: string;
  spanQueueSize: string;
  spanFlushInterval: string;
}

// No default array on repeatable flags: commander would print `(default: [])` in the help.
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const formatNotice = (old: string, canonical: string): void => deprecationNotice(`format name ${old}`, canonical);

/** Flag values → `RelayOptions` (the relay library validates and explains bad values). */
export function relayOptionsFromFlags(flags: RelayFlags): RelayOptions {
  const sampleRate = Number(flags.sampleRate);
  if (flags.sampleRate.trim() === '' || Number.isNaN(sampleRate))
    throw new RelayOptionError(`--sample-rate: invalid value ${JSON.stringify(flags.sampleRate)}; expected a number 0..1`);
  const integer = (flag: string, value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new RelayOptionError(`${flag}: invalid value ${JSON.stringify(value)}; expected a whole number`);
    return Number(value);
  };
  return {
    listen: flags.listen,
    upstreams: flags.upstream ?? [],
    serviceName: flags.serviceName,
    fanout: flags.fanout ?? false,
    propagate: flags.propagate?.length ? parsePropagate(flags.propagate, '--propagate', formatNotice) : undefined,
    accept: flags.accept?.length ? parsePropagate(flags.accept, '--accept', formatNotice) : undefined,
    otlpEndpoint: flags.otlpEndpoint || undefined,
    otlpProtocol: flags.otlpProtocol,
    faults: flags.fault ?? [],
    connectTimeoutMs: parseDurationMs('--connect-timeout', flags.connectTimeout),
    responseTimeoutMs: parseDurationMs('--response-timeout', flags.responseTimeout),
    maxHeaderBytes: integer('--max-header-size', flags.maxHeaderSize),
    spanAttributes: parseKeyValues('--span-attribute', flags.spanAttribute ?? []),
    baggage: parseKeyValues('--baggage', flags.baggage ?? []),
    baggageAttributes: flags.baggageAttribute ?? [],
    sampleRate,
    adminListen: flags.adminListen,
    upstreamConnections: integer('--upstream-connections', flags.upstreamConnections),
    shutdownTimeoutMs: parseDurationMs('--shutdown-timeout', flags.shutdownTimeout),
    spanQueueSize: integer('--span-queue-size', flags.spanQueueSize),
    spanFlushIntervalMs: parseDurationMs('--span-flush-interval', flags.spanFlushInterval),
  };
}

/** Resolves on the first SIGTERM or SIGINT; a second one ends the process at once. */
function terminationSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.once('SIGTERM', () => process.exit(143));
      process.once('SIGINT', () => process.exit(130));
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** Starts the relay the flags describe; bad flags and a listen address that cannot be had are exit 2. */
async function startRelayFromFlags(flags: RelayFlags): Promise<RunningRelay> {
  try {
    const options = relayOptionsFromFlags(flags);
    tuneRelayProcess();
    // Loaded per command, so `meshtrace --help` does not load the OpenTelemetry exporter.
    const { startRelay } = await import('../relay');
    return await startRelay(options);
  } catch (err) {
    if (err instanceof RelayOptionError || err instanceof FaultSyntaxError) throw new CliError(err.message, EXIT_CANNOT_CHECK);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new CliError(`cannot listen on ${flags.listen}: ${code} (${(err as Error).message})`, EXIT_CANNOT_CHECK);
    }
    throw err;
  }
}

/** The stderr line after the ready line: where the hop forwards, exports and listens for admin. */
function relayDetailsLine(relay: RunningRelay): string {
  const o = relay.options;
  const details = [
    o.upstreams.length ? `upstreams ${o.upstreams.map((u) => u.href).join(' ')}${o.fanout ? ' (fanout)' : ''}` : 'leaf',
    o.otlpTracesUrl ? `spans → ${o.otlpTracesUrl.href} (${o.otlpProtocol})` : 'no span export',
    o.faults.length ? `faults ${o.faults.map(formatFault).join(' ')}` : undefined,
    relay.adminUrl ? `admin ${relay.adminUrl}` : undefined,
  ].filter(Boolean);
  return `relay ${o.serviceName}: ${details.join('; ')}\n`;
}

/** The command's action: start, announce, serve until SIGTERM/SIGINT, drain, say what became of the spans. */
async function runRelay(flags: RelayFlags, cmd: Command): Promise<void> {
  const relay = await startRelayFromFlags(flags);
  const o = relay.options;
  const signal = terminationSignal();
  // The one stdout line a parent process waits for (the local demo, the SIGTERM test).
  process.stdout.write(`relay ${o.serviceName} listening on ${relay.url}\n`);
  process.stderr.write(relayDetailsLine(relay));
  const received = await signal;
  process.stderr.write(`relay ${o.serviceName}: ${received}: draining\n`);
  await relay.close();
  const stats = relay.spanStats();
  process.stderr.write(
    `relay ${o.serviceName}: stopped${stats ? ` (spans: ${stats.exported} exported, ${stats.dropped} dropped, ${stats.failed} failed, ${stats.pending} unsent)` : ''}\n`,
  );
  setExitCode(cmd, EXIT_OK);
  // Drained and flushed: nothing left is worth waiting for (a collector's pending answer or retry timer
  // would otherwise keep the process, and a terminating pod, alive). stderr to a pipe or file is
  // written synchronously on Linux, so the lines above are out.
  process.exit(EXIT_OK);
}

export function registerRelay(program: Command): void {
  program
    .command('relay')
    .description('run a trace-context relay hop: extract every format, emit spans, inject, forward (or answer as a leaf)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
    .option('--upstream <url>', 'upstream base URL (repeatable; none = leaf hop answering 200)', collect)
    .option('--service-name <name>', "service.name of the hop's spans", 'relay')
    .option('--fanout', 'call every upstream per request (a DAG hop) instead of one (round-robin)')
    .option(
      '--propagate <formats>',
      `formats to write: ${PROPAGATION_FORMAT_NAMES.join(',')} (b3 = the single b3 header); baggage goes as W3C baggage unless the list has jaeger alone (default: those that came in, plus w3c)`,
      collect,
    )
    .option(
      '--accept <formats>',
      'formats to read; other trace headers are ignored and not forwarded, like an app with only those propagators (default: all)',
      collect,
    )
    .option(
      '--otlp-endpoint <url>',
      "OTLP/HTTP endpoint for the hop's spans (base URL; /v1/traces is appended)",
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
    )
    .addOption(new Option('--otlp-protocol <protocol>', 'OTLP encoding').choices(['http/protobuf', 'http/json']).default('http/protobuf'))
    .option(
      '--fault <fault>',
      'inject a fault: drop-context | delay=200ms | status=500 | reset, each optionally @fraction (repeatable)',
      collect,
    )
    .option('--connect-timeout <duration>', 'upstream connect timeout (then 504)', '5s')
    .option('--response-timeout <duration>', 'upstream response timeout (then 504)', '15s')
    .option('--max-header-size <bytes>', "request header limit (then 431); Envoy's default", String(DEFAULT_MAX_HEADER_BYTES))
    .option('--span-attribute <key=value>', 'extra attribute on every span (repeatable)', collect)
    .option('--baggage <key=value>', 'baggage member added to every outgoing request (repeatable)', collect)
    .option('--baggage-attribute <key>', "record this baggage member's value on the server span, same key (repeatable)", collect)
    .option('--sample-rate <0..1>', 'sampling probability for requests without an incoming decision', '1')
    .option('--admin-listen <host:port>', 'admin listener for /healthz, /readyz, /metrics')
    .option('--upstream-connections <n>', 'keep-alive connections per upstream', '64')
    .option('--shutdown-timeout <duration>', 'longest graceful drain on SIGTERM', '20s')
    .option('--span-queue-size <n>', 'spans kept for export; beyond it spans are dropped and counted', '16384')
    .option('--span-flush-interval <duration>', 'longest wait of a span before export', '1s')
    .action(runRelay);
}
