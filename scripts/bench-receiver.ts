/**
 * `npm run bench:receiver` — the embedded OTLP receiver under a hostile mix, against itself without one:
 * prints measured numbers, never asserts.
 *
 * Two receiver processes with the default caps, one after the other, each fed the same normal ingest
 * (protobuf batches of 512 spans, 4 in flight) for --seconds N (default 6):
 *   baseline  normal ingest only;
 *   hostile   normal ingest plus, in rounds until the time is up, every hostile class of
 *             docs/reliability.md at once: kvlists nested 25 deep (protobuf) and 100 deep (protobuf and
 *             JSON), a 25 MiB body with Content-Length and one chunked, a gzip bomb (256 MiB of zeros),
 *             a bad Content-Type, a bad Content-Encoding, OTLP/JSON of 1.1 million empty objects, a
 *             truncated body, 20 concurrent 19 MiB posts, valid bodies just under the limit
 *             (protobuf of 100 000 spans, OTLP/JSON of 36 000), and 4 slow senders whose 1 MiB bodies
 *             arrive in 16 pieces 100 ms apart.
 * In both phases a probe process of its own sends small valid exports (1 span), one at a time, 20 ms
 * apart: their latency under the flood against the same without it is the headline ratio.
 * Then each hostile class once more, alone, on an idle third receiver (its own answer time).
 * Printed: each receiver's peak RSS (getrusage maxrss, read by the receiver process itself), its
 * normal-ingest throughput, the probes' p50/p99/max, how long the receiver's event loop was blocked at
 * a time (monitorEventLoopDelay) and its longest GC pause, as hostile/baseline ratios, plus every
 * hostile answer (status counts and the slowest answer per class). The normal ingest fills the span
 * store to its cap and then is answered as partial success: retention under the cap is part of what is
 * measured. `--cpu-prof-dir DIR` makes each receiver write a V8 CPU profile there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Agent, Pool, request } from 'undici';
import { REPO_ROOT } from '../src/paths';
import { startOtlpReceiver } from '../src/verify/sources/otlp-receiver';
import { encodeExportRequest } from '../src/verify/sources/otlp-proto';
import { spansFromOtlpProtobuf } from '../src/verify/sources/otlp-proto-fast';
import { encodeOtlpJson } from '../src/verify/sources/otlp-json-encode';
import { machineLine } from './machine';

const args = process.argv.slice(2);
const SECONDS = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 6;
const BATCH = 512;
const MiB = 1024 * 1024;

// ------------------------------------------------------------------------------------------------
// The receiver process: defaults, reports its own peak RSS when stdin closes.

async function serve(): Promise<void> {
  const receiver = await startOtlpReceiver({ port: 0, onWarning: (line) => process.stderr.write(`  [receiver] ${line}\n`) });
  // How long the receiver's event loop was blocked at a time: what every request waits behind.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((e) => e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  process.stdout.write(`${JSON.stringify({ url: receiver.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    loopDelay.disable();
    const report = {
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      spansReceived: receiver.spansReceived,
      spansDropped: receiver.spansDropped,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      gcMaxMs: Math.max(0, ...gcPauses),
      gcTotalMs: gcPauses.reduce((a, b) => a + b, 0),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    void receiver.close().then(() => process.exit(0));
  });
}

interface ReceiverReport {
  maxRssBytes: number;
  spansReceived: number;
  spansDropped: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcMaxMs: number;
  gcTotalMs: number;
}

interface ReceiverProcess {
  readonly url: string;
  stop(): Promise<ReceiverReport>;
}

/** `--cpu-prof-dir DIR`: each receiver process writes a V8 CPU profile there (where its loop was busy). */
const CPU_PROF_DIR = args.includes('--cpu-prof-dir') ? args[args.indexOf('--cpu-prof-dir') + 1] : undefined;

async function startReceiverProcess(): Promise<ReceiverProcess> {
  const profile = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  const { url } = JSON.parse(String(first.value)) as { url: string };
  return {
    url,
    async stop() {
      child.stdin!.end();
      const last = await lines.next();
      return JSON.parse(String(last.value));
    },
  };
}

// ------------------------------------------------------------------------------------------------
// The probe process: small valid exports, one at a time, timed from its own event loop so that the
// flood's client (the bench process, uploading ~400 MiB a round) does not add to what is measured.

/** Pause between probes: a steady trickle, like an SDK exporting a few spans now and then. */
const PROBE_GAP_MS = 20;

interface ProbeReport {
  readonly latenciesMs: number[];
  /** Status (or error code) → count, for every answer that was not 200. */
  readonly failures: Record<string, number>;
}

async function probe(url: string): Promise<void> {
  const pool = new Pool(url, { connections: 1 });
  const latenciesMs: number[] = [];
  const failures: Record<string, number> = {};
  let running = true;
  process.stdin.resume();
  process.stdin.on('end', () => (running = false));
  process.stdout.write('ready\n');
  const traceId = hex(16);
  while (running) {
    const body = Buffer.from(
      encodeExportRequest({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId, spanId: hex(8), name: 'probe' }] }] }] }),
    );
    const t0 = performance.now();
    let outcome: string;
    try {
      const r = await pool.request({ path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      await r.body.dump();
      outcome = String(r.statusCode);
    } catch (err) {
      outcome = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
    }
    latenciesMs.push(performance.now() - t0);
    if (outcome !== '200') failures[outcome] = (failures[outcome] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
  }
  await pool.close();
  const report: ProbeReport = { latenciesMs, failures };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function startProbeProcess(url: string): Promise<{ stop(): Promise<ProbeReport> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--probe', url], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  await lines.next();
  return {
    async stop() {
      child.stdin!.end();
      return JSON.parse(String((await lines.next()).value)) as ProbeReport;
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function latencySummary(latencies: readonly number[]): { p50: number; p99: number; max: number; count: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, count: sorted.length };
}

// ------------------------------------------------------------------------------------------------
// Load: normal ingest and the hostile rounds.

const hex = (bytes: number): Buffer => randomBytes(bytes);
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

function normalBatches(count: number, spansPerBatch = BATCH): Buffer[] {
  const out: Buffer[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let b = 0; b < count; b++) {
    const traceId = hex(16);
    const spans = Array.from({ length: spansPerBatch }, (_, i) => ({
      traceId,
      spanId: hex(8),
      ...(i > 0 ? { parentSpanId: hex(8) } : {}),
      name: i % 2 ? 'GET' : 'reviews.default.svc.cluster.local:9080/*',
      kind: i % 2 ? 3 : 2,
      startTimeUnixNano: String(now + BigInt(i * 1000)),
      endTimeUnixNano: String(now + BigInt(i * 1000 + 250_000)),
      attributes: [
        { key: 'http.request.method', value: { stringValue: 'GET' } },
        { key: 'http.response.status_code', value: { intValue: 200 } },
        { key: 'url.path', value: { stringValue: '/productpage' } },
      ],
    }));
    out.push(
      Buffer.from(
        encodeExportRequest({
          resourceSpans: [
            { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'reviews.default' } }] }, scopeSpans: [{ spans }] },
          ],
        }),
      ),
    );
  }
  return out;
}

async function normalIngest(url: string, bodies: readonly Buffer[], until: number): Promise<{ batches: number; failed: number }> {
  const pool = new Pool(url, { connections: 4 });
  let batches = 0;
  let failed = 0;
  let i = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < until) {
      const body = bodies[i++ % bodies.length]!;
      try {
        const r = await pool.request({ path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
        await r.body.dump();
        if (r.statusCode === 200) batches++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  await pool.close();
  return { batches, failed };
}

function kvlist(depth: number): Record<string, unknown> {
  return depth <= 1 ? { stringValue: 'leaf' } : { kvlistValue: { values: [{ key: 'a', value: kvlist(depth - 1) }] } };
}

/** A length-delimited protobuf field (protobufjs's fromObject refuses to build values this deep). */
function field(id: number, bytes: Buffer): Buffer {
  const len: number[] = [];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(id << 3) | 2, ...len]), bytes]);
}

/** ExportTraceServiceRequest with one span whose attribute `deep` nests kvlists `depth` levels. */
function deepProto(depth: number): Buffer {
  let value = field(1, Buffer.from('leaf'));
  for (let d = 1; d < depth; d++) value = field(6, field(1, Buffer.concat([field(1, Buffer.from('a')), field(2, value)])));
  const span = Buffer.concat([
    field(1, hex(16)),
    field(2, hex(8)),
    field(5, Buffer.from('deep')),
    field(9, Buffer.concat([field(1, Buffer.from('deep')), field(2, value)])),
  ]);
  return field(1, field(2, field(2, span)));
}

interface HostileCase {
  readonly name: string;
  readonly type: string;
  readonly encoding?: string;
  readonly body: () => Buffer | Readable | string;
  /** Content-Length to declare for a streamed body (otherwise it goes chunked). */
  readonly length?: number;
  readonly copies?: number;
}

function hostileCases(): HostileCase[] {
  const deepJson = JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: hex(16).toString('hex'),
                spanId: hex(8).toString('hex'),
                name: 'deep',
                attributes: [{ key: 'deep', value: kvlist(100) }],
              },
            ],
          },
        ],
      },
    ],
  });
  const deep25 = deepProto(25);
  const proto100 = deepProto(100);
  const oversize = Buffer.alloc(25 * MiB, 0x20);
  const bomb = gzipSync(Buffer.alloc(256 * MiB));
  const big = Buffer.alloc(19 * MiB);
  const objects = `{"resourceSpans":[],"x":[${'{},'.repeat(1_100_000)}{}]}`;
  // Valid bodies just under the 20 MiB limit: the most decoding one request can ask for.
  const nearLimitProto = normalBatches(1, 100_000)[0]!;
  const nearLimitJson = Buffer.from(JSON.stringify(encodeOtlpJson(spansFromOtlpProtobuf(normalBatches(1, 36_000)[0]!), 'bench')));
  // A sender on a slow link: its declared body arrives in 16 pieces, 100 ms apart.
  const slowBody = normalBatches(1, 6_000)[0]!;
  const trickle = async function* (): AsyncGenerator<Buffer> {
    const piece = Math.ceil(slowBody.length / 16);
    for (let at = 0; at < slowBody.length; at += piece) {
      yield slowBody.subarray(at, at + piece);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const chunks = function* (): Generator<Buffer> {
    for (let i = 0; i < 400; i++) yield Buffer.alloc(64 * 1024, 1);
  };
  const proto = 'application/x-protobuf';
  return [
    { name: `kvlist 25 deep, protobuf (${deep25.length} B)`, type: proto, body: () => deep25 },
    { name: 'kvlist 100 deep, protobuf', type: proto, body: () => proto100 },
    { name: 'kvlist 100 deep, JSON', type: 'application/json', body: () => deepJson },
    { name: '25 MiB body, Content-Length', type: proto, body: () => oversize },
    { name: '25 MiB body, chunked', type: proto, body: () => Readable.from(chunks()) },
    { name: `gzip bomb (${(bomb.length / 1024).toFixed(0)} KiB → 256 MiB)`, type: proto, encoding: 'gzip', body: () => bomb },
    { name: 'Content-Type text/plain', type: 'text/plain', body: () => deep25 },
    { name: 'Content-Encoding br', type: proto, encoding: 'br', body: () => deep25 },
    { name: 'JSON with 1.1 million {} (3.3 MB)', type: 'application/json', body: () => objects },
    { name: 'truncated protobuf', type: proto, body: () => Buffer.from([0x0a, 0x30, 0x0a, 0x02]) },
    { name: '19 MiB posts, 20 at once', type: proto, body: () => big, copies: 20 },
    { name: `valid protobuf, 100 000 spans (${mib(nearLimitProto.length)})`, type: proto, body: () => nearLimitProto },
    { name: `valid JSON, 36 000 spans (${mib(nearLimitJson.length)})`, type: 'application/json', body: () => nearLimitJson },
    {
      name: `slow valid bodies (${mib(slowBody.length)}), 4 at once`,
      type: proto,
      length: slowBody.length,
      body: () => Readable.from(trickle()),
      copies: 4,
    },
  ];
}

interface Outcome {
  statuses: Map<string, number>;
  slowestMs: number;
}

async function hostileRounds(
  url: string,
  cases: readonly HostileCase[],
  until: number,
  minRounds = 0,
): Promise<{ rounds: number; outcomes: Map<string, Outcome> }> {
  const agent = new Agent({ connections: 64 });
  const outcomes = new Map<string, Outcome>(cases.map((c) => [c.name, { statuses: new Map(), slowestMs: 0 }]));
  let rounds = 0;
  const one = async (c: HostileCase): Promise<void> => {
    const t0 = performance.now();
    let status: string;
    try {
      const r = await request(`${url}/v1/traces`, {
        dispatcher: agent,
        method: 'POST',
        headers: {
          'content-type': c.type,
          ...(c.encoding ? { 'content-encoding': c.encoding } : {}),
          ...(c.length !== undefined ? { 'content-length': String(c.length) } : {}),
        },
        body: c.body(),
      });
      await r.body.dump();
      status = String(r.statusCode);
    } catch (err) {
      status = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
    }
    const o = outcomes.get(c.name)!;
    o.slowestMs = Math.max(o.slowestMs, performance.now() - t0);
    o.statuses.set(status, (o.statuses.get(status) ?? 0) + 1);
  };
  while (Date.now() < until || rounds < minRounds) {
    await Promise.all(cases.flatMap((c) => Array.from({ length: c.copies ?? 1 }, () => one(c))));
    rounds++;
  }
  await agent.close();
  return { rounds, outcomes };
}

// ------------------------------------------------------------------------------------------------

async function phase(bodies: readonly Buffer[], cases?: readonly HostileCase[]) {
  const receiver = await startReceiverProcess();
  const prober = await startProbeProcess(receiver.url);
  const t0 = performance.now();
  const until = Date.now() + SECONDS * 1000;
  const [ingest, hostile] = await Promise.all([
    normalIngest(receiver.url, bodies, until),
    cases ? hostileRounds(receiver.url, cases, until) : undefined,
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const probes = await prober.stop();
  const report = await receiver.stop();
  return { spansPerSecond: (ingest.batches * BATCH) / seconds, ingest, hostile, probes, ...report };
}

/** Each hostile class once, one after another, on an otherwise idle receiver: its own answer time. */
async function alone(cases: readonly HostileCase[]): Promise<Map<string, string>> {
  const receiver = await startReceiverProcess();
  const out = new Map<string, string>();
  for (const c of cases) {
    const { outcomes } = await hostileRounds(receiver.url, [{ ...c, copies: 1 }], 0, 1);
    const o = outcomes.get(c.name)!;
    out.set(c.name, `${[...o.statuses.keys()].join('/')} in ${o.slowestMs.toFixed(0)} ms`);
  }
  await receiver.stop();
  return out;
}

async function main(): Promise<void> {
  console.log('# meshtrace OTLP receiver under hostile input');
  console.log(machineLine());
  const bodies = normalBatches(32);
  console.log(
    `normal ingest: protobuf batches of ${BATCH} spans (${(bodies[0]!.length / 1024).toFixed(0)} KiB), 4 in flight, ${SECONDS} s per phase; receiver caps: defaults`,
  );
  const cases = hostileCases();
  const base = await phase(bodies);
  const hostile = await phase(bodies, cases);
  const single = await alone(cases);
  console.log(
    `  baseline (normal ingest only):  peak RSS ${mib(base.maxRssBytes)}, ${base.spansPerSecond.toFixed(0)} spans/s answered 200 (${base.ingest.failed} failed); stored ${base.spansReceived}, dropped at the cap ${base.spansDropped}`,
  );
  console.log(
    `  with the hostile mix:           peak RSS ${mib(hostile.maxRssBytes)}, ${hostile.spansPerSecond.toFixed(0)} spans/s answered 200 (${hostile.ingest.failed} failed); stored ${hostile.spansReceived}, dropped at the cap ${hostile.spansDropped}`,
  );
  console.log(
    `  hostile / baseline: peak RSS ${(hostile.maxRssBytes / base.maxRssBytes).toFixed(2)}, normal ingest throughput ${(hostile.spansPerSecond / base.spansPerSecond).toFixed(2)}`,
  );
  const quiet = latencySummary(base.probes.latenciesMs);
  const flood = latencySummary(hostile.probes.latenciesMs);
  const ms = (n: number): string => `${n.toFixed(0)} ms`;
  const failures = (p: ProbeReport): string =>
    Object.entries(p.failures)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ') || 'none';
  console.log(
    `  small valid exports (1 span, one at a time from their own process) under the mixed flood: p50 ${ms(flood.p50)}, p99 ${ms(flood.p99)}, max ${ms(flood.max)} (${flood.count}, not 200: ${failures(hostile.probes)})` +
      ` vs no flood p50 ${ms(quiet.p50)}, p99 ${ms(quiet.p99)}, max ${ms(quiet.max)} (${quiet.count}, not 200: ${failures(base.probes)});` +
      ` flood / no flood: p50 ${(flood.p50 / quiet.p50).toFixed(1)}×, p99 ${(flood.p99 / quiet.p99).toFixed(1)}×, max ${(flood.max / quiet.max).toFixed(1)}×`,
  );
  console.log(
    `  receiver event loop blocked (monitorEventLoopDelay): no flood p99 ${ms(base.loopDelayP99Ms)}, max ${ms(base.loopDelayMaxMs)}; mixed flood p99 ${ms(hostile.loopDelayP99Ms)}, max ${ms(hostile.loopDelayMaxMs)}; longest GC pause ${ms(base.gcMaxMs)} / ${ms(hostile.gcMaxMs)} (GC total ${ms(base.gcTotalMs)} / ${ms(hostile.gcTotalMs)})`,
  );
  console.log(machineLine());
  console.log(
    `  hostile answers in the mix over ${hostile.hostile!.rounds} round(s) (time seen by the client, which also uploads ~400 MiB a round), and each class alone on an idle receiver:`,
  );
  for (const [name, o] of hostile.hostile!.outcomes) {
    const statuses = [...o.statuses].map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(
      `    ${name.padEnd(42)} ${statuses.padEnd(14)} slowest ${`${o.slowestMs.toFixed(0)} ms`.padEnd(9)} alone: ${single.get(name)}`,
    );
  }
}

if (args.includes('--serve')) void serve();
else if (args.includes('--probe')) void probe(args[args.indexOf('--probe') + 1]!);
else await main();
