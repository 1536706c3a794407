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
 *             truncated body, and 20 concurrent 19 MiB posts.
 * Then each hostile class once more, alone, on an idle third receiver (its own answer time).
 * Printed: each receiver's peak RSS (getrusage maxrss, read by the receiver process itself) and its
 * normal-ingest throughput, as hostile/baseline ratios, plus every hostile answer (status counts and the
 * slowest answer per class). The normal ingest fills the span store to its cap and then is answered as
 * partial success: retention under the cap is part of what is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import { Agent, Pool, request } from 'undici';
import { REPO_ROOT } from '../src/paths';
import { startOtlpReceiver } from '../src/verify/sources/otlp-receiver';
import { encodeExportRequest } from '../src/verify/sources/otlp-proto';
import { machineLine } from './machine';

const args = process.argv.slice(2);
const SECONDS = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 6;
const BATCH = 512;
const MiB = 1024 * 1024;

// ------------------------------------------------------------------------------------------------
// The receiver process: defaults, reports its own peak RSS when stdin closes.

async function serve(): Promise<void> {
  const receiver = await startOtlpReceiver({ port: 0, onWarning: (line) => process.stderr.write(`  [receiver] ${line}\n`) });
  process.stdout.write(`${JSON.stringify({ url: receiver.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    const report = { maxRssBytes: process.resourceUsage().maxRSS * 1024, spansReceived: receiver.spansReceived, spansDropped: receiver.spansDropped };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    void receiver.close().then(() => process.exit(0));
  });
}

interface ReceiverProcess {
  readonly url: string;
  stop(): Promise<{ maxRssBytes: number; spansReceived: number; spansDropped: number }>;
}

async function startReceiverProcess(): Promise<ReceiverProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
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
// Load: normal ingest and the hostile rounds.

const hex = (bytes: number): Buffer => randomBytes(bytes);

function normalBatches(count: number): Buffer[] {
  const out: Buffer[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let b = 0; b < count; b++) {
    const traceId = hex(16);
    const spans = Array.from({ length: BATCH }, (_, i) => ({
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
    out.push(Buffer.from(encodeExportRequest({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'reviews.default' } }] }, scopeSpans: [{ spans }] }] })));
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
  const span = Buffer.concat([field(1, hex(16)), field(2, hex(8)), field(5, Buffer.from('deep')), field(9, Buffer.concat([field(1, Buffer.from('deep')), field(2, value)]))]);
  return field(1, field(2, field(2, span)));
}

interface HostileCase {
  readonly name: string;
  readonly type: string;
  readonly encoding?: string;
  readonly body: () => Buffer | Readable | string;
  readonly copies?: number;
}

function hostileCases(): HostileCase[] {
  const deepJson = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: hex(16).toString('hex'), spanId: hex(8).toString('hex'), name: 'deep', attributes: [{ key: 'deep', value: kvlist(100) }] }] }] }] });
  const deep25 = deepProto(25);
  const proto100 = deepProto(100);
  const oversize = Buffer.alloc(25 * MiB, 0x20);
  const bomb = gzipSync(Buffer.alloc(256 * MiB));
  const big = Buffer.alloc(19 * MiB);
  const objects = `{"resourceSpans":[],"x":[${'{},'.repeat(1_100_000)}{}]}`;
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
  ];
}

interface Outcome {
  statuses: Map<string, number>;
  slowestMs: number;
}

async function hostileRounds(url: string, cases: readonly HostileCase[], until: number, minRounds = 0): Promise<{ rounds: number; outcomes: Map<string, Outcome> }> {
  const agent = new Agent({ connections: 64 });
  const outcomes = new Map<string, Outcome>(cases.map((c) => [c.name, { statuses: new Map(), slowestMs: 0 }]));
  let rounds = 0;
  const one = async (c: HostileCase): Promise<void> => {
    const t0 = performance.now();
    let status: string;
    try {
      const r = await request(`${url}/v1/traces`, { dispatcher: agent, method: 'POST', headers: { 'content-type': c.type, ...(c.encoding ? { 'content-encoding': c.encoding } : {}) }, body: c.body() });
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
  const t0 = performance.now();
  const until = Date.now() + SECONDS * 1000;
  const [ingest, hostile] = await Promise.all([normalIngest(receiver.url, bodies, until), cases ? hostileRounds(receiver.url, cases, until) : undefined]);
  const seconds = (performance.now() - t0) / 1000;
  const report = await receiver.stop();
  return { spansPerSecond: (ingest.batches * BATCH) / seconds, ingest, hostile, ...report };
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

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;

async function main(): Promise<void> {
  console.log('# meshtrace OTLP receiver under hostile input');
  console.log(machineLine());
  const bodies = normalBatches(32);
  console.log(`normal ingest: protobuf batches of ${BATCH} spans (${(bodies[0]!.length / 1024).toFixed(0)} KiB), 4 in flight, ${SECONDS} s per phase; receiver caps: defaults`);
  const cases = hostileCases();
  const base = await phase(bodies);
  const hostile = await phase(bodies, cases);
  const single = await alone(cases);
  console.log(`  baseline (normal ingest only):  peak RSS ${mib(base.maxRssBytes)}, ${base.spansPerSecond.toFixed(0)} spans/s answered 200 (${base.ingest.failed} failed); stored ${base.spansReceived}, dropped at the cap ${base.spansDropped}`);
  console.log(`  with the hostile mix:           peak RSS ${mib(hostile.maxRssBytes)}, ${hostile.spansPerSecond.toFixed(0)} spans/s answered 200 (${hostile.ingest.failed} failed); stored ${hostile.spansReceived}, dropped at the cap ${hostile.spansDropped}`);
  console.log(`  hostile / baseline: peak RSS ${(hostile.maxRssBytes / base.maxRssBytes).toFixed(2)}, normal ingest throughput ${(hostile.spansPerSecond / base.spansPerSecond).toFixed(2)}`);
  console.log(`  hostile answers in the mix over ${hostile.hostile!.rounds} round(s) (time seen by the client, which also uploads ~400 MiB a round), and each class alone on an idle receiver:`);
  for (const [name, o] of hostile.hostile!.outcomes) {
    const statuses = [...o.statuses].map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`    ${name.padEnd(42)} ${statuses.padEnd(14)} slowest ${`${o.slowestMs.toFixed(0)} ms`.padEnd(9)} alone: ${single.get(name)}`);
  }
}

if (args.includes('--serve')) void serve();
else await main();
