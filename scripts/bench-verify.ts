/**
 * Verifier benchmarks (`npm run bench:verify`): prints measured numbers, never asserts.
 *
 * 1. Bookinfo spec against a 10 000-span Bookinfo-shaped trace (target ≤ 50 ms), against the
 *    baseline of JSON.parse of the same trace as a Jaeger /api/v3 response (what any tool pays to read it).
 * 2. OTLP receiver ingest (target ≥ 50 000 spans/s on one core): protobuf batches of 512 spans
 *    POSTed from a separate load-generator process; baseline: a bare HTTP server on the same
 *    transport that only drains the body.
 * 3. Verdict latency after the last span lands, with a 1 s poll interval (target ≤ one interval).
 *
 * Flags: --seconds N (ingest run length, default 4), --runs N (evaluation repetitions, default 30),
 * --only evaluate|ingest|latency.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { REPO_ROOT } from '../src/paths';
import { loadSpec } from '../src/verify/spec';
import { verifyTraces } from '../src/verify/verify-traces';
import { tracesFromV3 } from '../src/verify/sources/jaeger-v3';
import { startOtlpReceiver } from '../src/verify/sources/otlp-receiver';
import { receiverSource } from '../src/verify/sources/trace-source';
import { pollAndVerify } from '../src/verify/poller';
import { encodeExportRequest } from '../src/verify/sources/otlp-proto';
import type { Span, Trace } from '../src/verify/model';
import { machineLine } from './machine';

const args = process.argv.slice(2);
const flag = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SECONDS = flag('seconds', 4);
const RUNS = flag('runs', 30);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

// ------------------------------------------------------------------------------------------------
// 1. Evaluation

/** Bookinfo through the gateway, with productpage calling details ~5 000 times: 10 000 spans. */
function bigBookinfo(total: number): Trace {
  const traceId = hex(16);
  const t0 = Date.now() * 1000;
  const spans: Span[] = [];
  let n = 0;
  const add = (service: string, name: string, kind: Span['kind'], startUs: number, durationUs: number, parent?: Span): Span => {
    const s: Span = {
      traceId,
      spanId: (++n).toString(16).padStart(16, '0'),
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      service,
      name,
      kind,
      startUs: t0 + startUs,
      durationUs,
      attributes: { 'http.status_code': 200, 'http.method': 'GET', upstream_cluster: `outbound|9080||${service}` },
      resource: { 'service.name': service },
      events: [],
      status: { code: 'unset' },
    };
    spans.push(s);
    return s;
  };
  const gw = add('istio-ingressgateway.istio-system', 'productpage.default.svc.cluster.local:9080/productpage', 'server', 0, 900_000);
  const up = add(
    'istio-ingressgateway.istio-system',
    'router outbound|9080||productpage.default.svc.cluster.local; egress',
    'client',
    10,
    899_000,
    gw,
  );
  const pp = add('productpage.default', 'productpage.default.svc.cluster.local:9080/productpage', 'server', 20, 898_000, up);
  const toReviews = add('productpage.default', 'reviews.default.svc.cluster.local:9080/*', 'client', 30, 900, pp);
  const reviews = add('reviews.default', 'reviews.default.svc.cluster.local:9080/*', 'server', 31, 898, toReviews);
  const toRatings = add('reviews.default', 'ratings.default.svc.cluster.local:9080/*', 'client', 40, 800, reviews);
  add('ratings.default', 'ratings.default.svc.cluster.local:9080/*', 'server', 41, 798, toRatings);
  for (let i = 0; spans.length < total; i++) {
    // 50 calls in flight at a time, as a fan-out would.
    const at = 1000 + Math.floor(i / 50) * 1700;
    const c = add('productpage.default', 'details.default.svc.cluster.local:9080/*', 'client', at, 1600, pp);
    add('details.default', 'details.default.svc.cluster.local:9080/*', 'server', at + 1, 1590, c);
  }
  return { traceId, spans };
}

function asV3Json(trace: Trace): string {
  const kinds: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3 };
  const byService = new Map<string, Span[]>();
  for (const s of trace.spans) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  return JSON.stringify({
    result: {
      resourceSpans: [...byService].map(([service, spans]) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: {},
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: kinds[s.kind],
              startTimeUnixNano: `${Math.round(s.startUs)}000`,
              endTimeUnixNano: `${Math.round(s.startUs + s.durationUs)}000`,
              attributes: Object.entries(s.attributes).map(([key, v]) => ({
                key,
                value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: String(v) },
              })),
              status: {},
            })),
          },
        ],
      })),
    },
  });
}

async function benchEvaluation(): Promise<void> {
  const spec = await loadSpec(join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml'));
  const trace = bigBookinfo(10_000);
  const json = asV3Json(trace);
  const evalMs: number[] = [];
  const evalCpuMs: number[] = [];
  const parseMs: number[] = [];
  const fullMs: number[] = [];
  let passed = false;
  for (let i = 0; i < RUNS + 5; i++) {
    let t = performance.now();
    JSON.parse(json);
    const p = performance.now() - t;
    t = performance.now();
    const c = process.cpuUsage();
    const result = verifyTraces(spec, [trace], { traceIds: [trace.traceId] });
    const cu = process.cpuUsage(c);
    const e = performance.now() - t;
    t = performance.now();
    verifyTraces(spec, tracesFromV3(JSON.parse(json)), { traceIds: [trace.traceId] });
    const f = performance.now() - t;
    passed = result.passed;
    // The first 5 are JIT warm-up.
    if (i >= 5) {
      evalMs.push(e);
      evalCpuMs.push((cu.user + cu.system) / 1000);
      parseMs.push(p);
      fullMs.push(f);
    }
  }
  console.log(
    `\n## 1. Bookinfo spec on a ${trace.spans.length}-span trace (${RUNS} runs after 5 warm-up; spec ${passed ? 'holds' : 'FAILS'})`,
  );
  console.log(
    `  evaluate (index + matchers + edges + rules + diagnosis): median ${median(evalMs).toFixed(2)} ms wall, p95 ${pct(evalMs, 0.95).toFixed(2)} ms; median ${median(evalCpuMs).toFixed(2)} ms CPU   (target ≤ 50 ms)`,
  );
  console.log(
    `  parse /api/v3 JSON + build model + evaluate:              median ${median(fullMs).toFixed(2)} ms, p95 ${pct(fullMs, 0.95).toFixed(2)} ms`,
  );
  console.log(
    `  baseline JSON.parse of the same ${(json.length / 1e6).toFixed(1)} MB response:       median ${median(parseMs).toFixed(2)} ms`,
  );
  console.log(`  ratio evaluate / JSON.parse: ${(median(evalMs) / median(parseMs)).toFixed(2)}×`);
}

// ------------------------------------------------------------------------------------------------
// 2. Ingest

const BATCH = 512;

function batches(count: number): Buffer[] {
  const out: Buffer[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let b = 0; b < count; b++) {
    const traceId = Buffer.from(hex(16), 'hex');
    const spans = Array.from({ length: BATCH }, (_, i) => ({
      traceId,
      spanId: Buffer.from(hex(8), 'hex'),
      ...(i > 0 ? { parentSpanId: Buffer.from(hex(8), 'hex') } : {}),
      name: i % 2 ? 'GET' : 'reviews.default.svc.cluster.local:9080/*',
      kind: i % 2 ? 3 : 2,
      startTimeUnixNano: String(now + BigInt(i * 1000)),
      endTimeUnixNano: String(now + BigInt(i * 1000 + 250_000)),
      attributes: [
        { key: 'http.request.method', value: { stringValue: 'GET' } },
        { key: 'http.response.status_code', value: { intValue: 200 } },
        { key: 'url.path', value: { stringValue: '/productpage' } },
        { key: 'server.address', value: { stringValue: 'reviews.default.svc.cluster.local' } },
      ],
      status: {},
    }));
    const services = ['productpage.default', 'reviews.default'];
    out.push(
      Buffer.from(
        encodeExportRequest({
          resourceSpans: services.map((s, k) => ({
            resource: {
              attributes: [
                { key: 'service.name', value: { stringValue: s } },
                { key: 'k8s.cluster.name', value: { stringValue: 'kind' } },
              ],
            },
            scopeSpans: [{ scope: { name: 'bench' }, spans: spans.filter((_, i) => i % 2 === k) }],
          })),
        }),
      ),
    );
  }
  return out;
}

/** The load generator: a separate Node process POSTing the pre-encoded batches for `seconds`. */
const LOADGEN = `
const { Pool } = require('undici');
const { readFileSync } = require('node:fs');
const [url, file, seconds, inflight] = process.argv.slice(1);
const raw = readFileSync(file); const bodies = []; let o = 0;
while (o < raw.length) { const n = raw.readUInt32BE(o); bodies.push(raw.subarray(o + 4, o + 4 + n)); o += 4 + n; }
const u = new URL(url); const pool = new Pool(u.origin, { connections: Number(inflight) });
const end = Date.now() + Number(seconds) * 1000; let sent = 0, failed = 0, i = 0;
async function worker() { while (Date.now() < end) { const body = bodies[i++ % bodies.length];
  const r = await pool.request({ path: u.pathname, method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  await r.body.dump(); if (r.statusCode === 200) sent++; else failed++; } }
Promise.all(Array.from({ length: Number(inflight) }, worker)).then(() => { process.stdout.write(JSON.stringify({ sent, failed })); return pool.close(); });
`;

function runLoadgen(url: string, file: string, seconds: number, inflight: number): Promise<{ sent: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOADGEN, url, file, String(seconds), String(inflight)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

async function benchIngest(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-verify-'));
  const file = join(dir, 'batches.bin');
  const bodies = batches(64);
  writeFileSync(
    file,
    Buffer.concat(
      bodies.flatMap((b) => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(b.length);
        return [len, b];
      }),
    ),
  );
  const bytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
  console.log(
    `\n## 2. OTLP/HTTP protobuf ingest: ${BATCH}-span batches (${(bytes / 1024).toFixed(0)} KiB each), ${SECONDS}s per run, load generator in a separate process, 4 requests in flight`,
  );

  // Baseline: the same transport with nothing done to the body.
  const bare = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.end());
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const base = await runLoadgen(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/v1/traces`, file, SECONDS, 4);
  const baseSec = (performance.now() - t0) / 1000;
  const baseCpu = process.cpuUsage(cpu0);
  bare.close();

  const receiver = await startOtlpReceiver({ port: 0 });
  // The store is emptied every ~100k spans, below its cap: ingest, not retention, is measured here
  // (retention under the caps: scripts/bench-receiver.ts).
  let kept = 0;
  receiver.onSpans((s) => {
    kept += s.length;
    if (kept >= 100_000) {
      receiver.clear();
      kept = 0;
    }
  });
  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  const got = await runLoadgen(`${receiver.url}/v1/traces`, file, SECONDS, 4);
  const sec = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu1);
  const received = receiver.spansReceived;
  await receiver.close();

  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const baseCpuSec = (baseCpu.user + baseCpu.system) / 1e6;
  console.log(
    `  bare HTTP server (baseline):  ${((base.sent * BATCH) / baseSec).toFixed(0)} spans/s wall, ${((base.sent * BATCH) / baseCpuSec).toFixed(0)} spans per CPU-second of the server process (${base.sent} batches)`,
  );
  console.log(
    `  meshtrace OTLP receiver:      ${(received / sec).toFixed(0)} spans/s wall, ${(received / cpuSec).toFixed(0)} spans per CPU-second of the receiver process (${got.sent} batches, ${got.failed} failed; ${received} spans decoded into the model)`,
  );
  console.log(
    `  receiver / bare (wall): ${(received / sec / ((base.sent * BATCH) / baseSec)).toFixed(2)}   (target ≥ 50 000 spans/s on one core; the receiver is one Node thread)`,
  );
}

// ------------------------------------------------------------------------------------------------
// 3. Verdict latency

async function benchLatency(): Promise<void> {
  const spec = await loadSpec(join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml'));
  const intervalMs = 1000;
  const latencies: number[] = [];
  for (let run = 0; run < 5; run++) {
    const receiver = await startOtlpReceiver({ port: 0 });
    const trace = bigBookinfo(9);
    const body = JSON.parse(asV3Json(trace)).result;
    // Spans land in two batches 300 ms apart; the second completes the trace.
    const [first, ...rest] = body.resourceSpans as unknown[];
    const send = async (resourceSpans: unknown[]) => {
      const r = await request(`${receiver.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceSpans }),
      });
      await r.body.dump();
    };
    let lastLanded = 0;
    const verdict = pollAndVerify(spec, receiverSource(receiver), { traceIds: [trace.traceId], intervalMs, timeoutMs: 10_000 });
    await send([first]);
    await new Promise((r) => setTimeout(r, 300 + run * 137));
    await send(rest);
    lastLanded = performance.now();
    const out = await verdict;
    latencies.push(performance.now() - lastLanded);
    if (!out.result.passed) console.log(`  run ${run}: spec failed unexpectedly`);
    await receiver.close();
  }
  console.log(`\n## 3. Verdict latency after the last span lands (poll interval ${intervalMs} ms, OTLP receiver wakes the poller)`);
  console.log(
    `  5 runs: ${latencies.map((l) => l.toFixed(1)).join(', ')} ms; median ${median(latencies).toFixed(1)} ms = ${(median(latencies) / intervalMs).toFixed(3)} of one poll interval (target ≤ 1)`,
  );
}

async function main(): Promise<void> {
  console.log(`# meshtrace verify benchmarks`);
  console.log(machineLine());
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  if (!only || only === 'evaluate') await benchEvaluation();
  if (!only || only === 'ingest') await benchIngest();
  if (!only || only === 'latency') await benchLatency();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
