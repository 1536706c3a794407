/**
 * Micro-benchmark of the propagation core on the relay's hot path: extract → childContext →
 * inject, per request. The OpenTelemetry JS propagators are measured in the same run, on the same
 * headers, as the baseline (extract → child span context with a fresh span id → inject).
 *
 *   npx tsx scripts/bench-propagation.ts [--seconds 1] [--rounds 3]
 *
 * Prints ops per CPU-second (median of the rounds, min–max), µs of CPU per op, wall-clock ops/s,
 * and the ratio ours / OTel.
 * Numbers, never assertions: the results go to BENCHMARKS.md (Relay → Propagation).
 */
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { childContext, extract, inject, type PropagationFormat } from '../src/propagation/index';
import { machineLine } from './machine';
import { RANDOM_IDS } from '../src/random-ids';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`--${name}: invalid value ${JSON.stringify(process.argv[i + 1])}; expected a positive number`);
    process.exit(2);
  }
  return v;
}

const SECONDS = arg('seconds', 1);
const ROUNDS = arg('rounds', 3);

// What a request carries in a meshed app: Node's req.headers shape (lowercase names, strings).
const W3C_HEADERS: Record<string, string> = {
  host: 'reviews:9080',
  'user-agent': 'curl/8.5.0',
  accept: '*/*',
  'x-request-id': '7c1f7c4b-1b9e-4a6e-9a55-3c0f2b8f5d11',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
};
const ALL_HEADERS: Record<string, string> = {
  ...W3C_HEADERS,
  baggage: 'user=alice,tier=gold;ttl=60',
  'x-b3-traceid': '4bf92f3577b34da6a3ce929d0e0e4736',
  'x-b3-spanid': '00f067aa0ba902b7',
  'x-b3-parentspanid': '05e3ac9a4f6e3b90',
  'x-b3-sampled': '1',
  'uber-trace-id': '4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:05e3ac9a4f6e3b90:1',
};
const W3C: readonly PropagationFormat[] = ['w3c'];
const ALL: readonly PropagationFormat[] = ['w3c', 'b3multi', 'b3single', 'jaeger'];

let sink = 0;

function ours(headers: Record<string, string>, formats: readonly PropagationFormat[]): () => void {
  return () => {
    const ex = extract(headers);
    const out = inject({
      context: childContext(RANDOM_IDS, ex.context, ex.samplingOnly),
      baggage: ex.baggage,
      passthrough: ex.passthrough,
      formats,
    });
    sink += out.traceparent.length;
  };
}

function otel(headers: Record<string, string>, propagator: TextMapPropagator): () => void {
  const ids = new RandomIdGenerator();
  return () => {
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const sc = trace.getSpanContext(parent)!;
    const child = trace.wrapSpanContext({
      traceId: sc.traceId,
      spanId: ids.generateSpanId(),
      traceFlags: sc.traceFlags,
      traceState: sc.traceState,
    });
    const out: Record<string, string> = {};
    propagator.inject(trace.setSpan(parent, child), out, defaultTextMapSetter);
    sink += out.traceparent.length;
  };
}

/**
 * Runs `fn` for SECONDS of wall time and returns ops per CPU-second of this process
 * (`process.cpuUsage`, user + system). CPU time, not wall time: the benchmark machines are
 * shared, and time spent waiting for a core is not the code's cost. Both are printed.
 */
function measure(fn: () => void): { cpu: number; wall: number } {
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / ((now - start) / 1000) };
}

const cases: Array<[string, () => void]> = [
  ['meshtrace W3C only', ours(W3C_HEADERS, W3C)],
  ['OTel JS W3C (W3CTraceContextPropagator)', otel(W3C_HEADERS, new W3CTraceContextPropagator())],
  ['meshtrace all formats (w3c+baggage, b3 multi+single, jaeger)', ours(ALL_HEADERS, ALL)],
  [
    'OTel JS all formats (CompositePropagator of the same)',
    otel(
      ALL_HEADERS,
      new CompositePropagator({
        propagators: [
          new JaegerPropagator(),
          new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
          new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
          new W3CBaggagePropagator(),
          new W3CTraceContextPropagator(),
        ],
      }),
    ),
  ],
];

// Warm-up: let the JIT settle on every path before measuring.
for (const [, fn] of cases) for (let i = 0; i < 200_000; i++) fn();

const results = new Map<string, number[]>();
const wall = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of cases) {
    const m = measure(fn);
    results.set(name, [...(results.get(name) ?? []), m.cpu]);
    wall.set(name, [...(wall.get(name) ?? []), m.wall]);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

console.log(machineLine());
console.log(`${ROUNDS} rounds × ${SECONDS} s per case, median (min–max) per CPU-second; wall-clock median beside it\n`);
console.log('| case | ops per CPU-s | µs CPU/op | ops per wall-s |');
console.log('|---|---|---|---|');
for (const [name] of cases) {
  const xs = results.get(name)!;
  console.log(
    `| ${name} | ${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}) | ${(1e6 / median(xs)).toFixed(2)} | ${fmt(median(wall.get(name)!))} |`,
  );
}
const m = (name: string) => median(results.get(name)!);
console.log(`\nratio meshtrace / OTel JS, W3C only:    ${(m(cases[0][0]) / m(cases[1][0])).toFixed(2)}×`);
console.log(`ratio meshtrace / OTel JS, all formats: ${(m(cases[2][0]) / m(cases[3][0])).toFixed(2)}×`);

// Oversized inputs: the parsers stop at the W3C bounds, so a huge header costs about what a full one does.
const oversized: Array<[string, Record<string, string>]> = [
  ['baggage of 15 000 members (124 KB)', { baggage: Array.from({ length: 15_000 }, (_, i) => `k${i}=1`).join(',') }],
  [
    'tracestate of 6000 members (47 KB)',
    { traceparent: W3C_HEADERS.traceparent, tracestate: Array.from({ length: 6000 }, (_, i) => `k${i}=1`).join(',') },
  ],
  ['2000 uberctx-* headers', Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`uberctx-k${i}`, 'v']))],
];
console.log('\n| oversized input | µs CPU per extract |');
console.log('|---|---|');
for (const [name, headers] of oversized) {
  for (let i = 0; i < 200; i++) sink += extract(headers).baggage.length;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 2000; i++) sink += extract(headers).baggage.length;
  const cpu = process.cpuUsage(cpu0);
  console.log(`| ${name} | ${((cpu.user + cpu.system) / 2000).toFixed(1)} |`);
}
if (sink === 0) console.log('(sink)');
