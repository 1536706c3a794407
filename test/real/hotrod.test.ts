import { jest } from '@jest/globals';
/**
 * HotROD for real: the real `hotrod all` exporting OTLP/HTTP to the real Jaeger as the kit renders
 * it (split: collector + query over remote-storage). One `/dispatch?customer=123` must be one trace
 * of ≥ 35 spans over HotROD's six services (upstream's own e2e asks for ≥ 35), read back through
 * the verifier's Jaeger sources, and the shipped HotROD expectation must hold on it, both judged in
 * process and through the real `meshtrace verify` CLI.
 */
import { join } from 'node:path';
import { request } from 'undici';
import { REPO_ROOT } from '../../src/paths';
import type { Trace } from '../../src/verify/model';
import { JaegerLegacySource } from '../../src/verify/sources/jaeger-legacy';
import { JaegerV3Source } from '../../src/verify/sources/jaeger-v3';
import { loadSpec } from '../../src/verify/spec';
import { verifyTraces } from '../../src/verify/verify-traces';
import { startKitJaeger, type RunningKitJaeger } from '../support/kit-jaeger';
import { acceptsConnections, explainWithLogs, startPeerOnFreePorts, type PeerProcess } from '../support/peers';
import { BIN, runCliProcess } from '../support/run-cli-process';
import { startHotrod, type RunningHotrod } from './support/hotrod';
import { settledTrace } from './support/settled-trace';

jest.setTimeout(240_000);

/** HotROD straight at its frontend: hotrod.yaml without its Traefik hop. */
const SPEC = join(REPO_ROOT, 'samples', 'expectations', 'hotrod-direct.yaml');
const SERVICES = ['customer', 'driver', 'frontend', 'mysql', 'redis-manual', 'route'];

let jaeger: RunningKitJaeger | undefined;
let hotrod: RunningHotrod | undefined;
const peers = (): PeerProcess[] => [...(jaeger?.peers ?? []), ...(hotrod ? [hotrod.peer] : [])];

beforeAll(async () => {
  jaeger = await startKitJaeger();
  hotrod = await startHotrod(jaeger.otlpHttpUrl, jaeger.queryUrl);
});

afterAll(async () => {
  await hotrod?.peer.stop();
  await jaeger?.stop();
});

/** Asks HotROD for a ride; its `traceresponse` header names the trace (as upstream's CI reads it). */
async function dispatch(customer: string): Promise<{ status: number; traceId: string; body: string }> {
  const res = await request(`${hotrod!.frontendUrl}/dispatch?customer=${customer}`);
  const body = await res.body.text();
  const header = String(res.headers['traceresponse'] ?? '');
  const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-0[01]$/.exec(header);
  if (!m) throw new Error(`HotROD answered ${res.statusCode} without a traceresponse header (got "${header}"): ${body.slice(0, 200)}`);
  return { status: res.statusCode, traceId: m[1]!, body };
}

/** The trace once it has at least `min` spans and the count held for two polls (the last batches landed). */
const settled = (source: JaegerV3Source | JaegerLegacySource, traceId: string, min: number): Promise<Trace> =>
  settledTrace(source, traceId, `with ≥ ${min} spans`, (t) => t.spans.length >= min);

describe('real HotROD → real Jaeger (as the kit renders it)', () => {
  let traceId = '';
  let v3Trace: Trace | undefined;

  test('/dispatch?customer=123 is one trace of ≥ 35 spans over the six HotROD services (/api/v3)', async () => {
    await explainWithLogs(peers(), async () => {
      const d = await dispatch('123');
      expect(d.status).toBe(200);
      expect(JSON.parse(d.body)).toMatchObject({ Driver: expect.stringMatching(/^T7\d+C$/), ETA: expect.any(Number) });
      traceId = d.traceId;
      v3Trace = await settled(new JaegerV3Source({ baseUrl: jaeger!.queryUrl }), traceId, 35);
      expect(v3Trace.spans.length).toBeGreaterThanOrEqual(35);
      expect([...new Set(v3Trace.spans.map((s) => s.service))].sort()).toEqual(SERVICES);
      // One root (the frontend's server span); every other span's parent is in the trace.
      const ids = new Set(v3Trace.spans.map((s) => s.spanId));
      expect(v3Trace.spans.filter((s) => s.parentSpanId === undefined).map((s) => `${s.service} ${s.kind}`)).toEqual(['frontend server']);
      expect(v3Trace.spans.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))).toEqual([]);
    });
  });

  test('the legacy /api/traces/{id} gives the same spans, parents and names', async () => {
    await explainWithLogs(peers(), async () => {
      expect(v3Trace).toBeDefined();
      const legacy = await settled(new JaegerLegacySource({ baseUrl: jaeger!.queryUrl }), traceId, v3Trace!.spans.length);
      const shape = (t: Trace) =>
        t.spans.map((s) => `${s.spanId} ${s.parentSpanId ?? '-'} ${s.service} ${s.kind} ${s.name} ${s.status.code}`).sort();
      expect(shape(legacy)).toEqual(shape(v3Trace!));
    });
  });

  test('the shipped HotROD expectation (without Traefik) holds on the real trace', async () => {
    expect(v3Trace).toBeDefined();
    const r = verifyTraces(await loadSpec(SPEC), [v3Trace!], { traceIds: [traceId] });
    const failed = [...r.assertions, ...r.traces.flatMap((t) => t.assertions)].filter((a) => !a.passed).map((a) => a.text);
    expect(failed).toEqual([]);
    expect(r.passed).toBe(true);
  });

  test('meshtrace verify (the real CLI) drives HotROD and passes the spec against the real Jaeger', async () => {
    await explainWithLogs(peers(), async () => {
      const run = await runCliProcess(
        [
          'verify',
          '--spec',
          SPEC,
          '--jaeger-url',
          jaeger!.queryUrl,
          '--trigger',
          `${hotrod!.frontendUrl}/dispatch?customer=123`,
          '--timeout',
          '60s',
          '--json',
        ],
        120_000,
      );
      const doc = JSON.parse(run.stdout);
      expect({ code: run.code, passed: doc.passed, traces: doc.traces.length, source: doc.source }).toEqual({
        code: 0,
        passed: true,
        traces: 1,
        source: `Jaeger /api/v3 at ${jaeger!.queryUrl}`,
      });
      expect(doc.spansSeen).toBeGreaterThanOrEqual(35);
    });
  });

  test('meshtrace verify fails (exit 1) when HotROD is asked for an unknown customer: the dispatch stops at the customer service', async () => {
    await explainWithLogs(peers(), async () => {
      const run = await runCliProcess(
        [
          'verify',
          '--spec',
          SPEC,
          '--jaeger-url',
          jaeger!.queryUrl,
          '--trigger',
          `${hotrod!.frontendUrl}/dispatch?customer=999`,
          '--timeout',
          '20s',
          '--no-color',
        ],
        120_000,
      );
      expect(run.code).toBe(1);
      // Real HotROD: customer 999 fails in the customer service (an error up to the frontend's
      // server span); driver and route are never called.
      expect(run.stdout).toContain('✗ dispatch: no error spans');
      expect(run.stdout).toContain('✗ services: ≥ 6\n      3: customer, frontend, mysql');
    });
  });

  test("the kit's relay rooting the trace in front of HotROD: HotROD joins it (traceparent flags 01, which OpenTelemetry Go reads)", async () => {
    const {
      peer: relay,
      ports: [port],
    } = await startPeerOnFreePorts(1, ([listen]) => ({
      name: 'relay-edge',
      program: process.execPath,
      args: [
        BIN,
        'relay',
        '--listen',
        `127.0.0.1:${listen}`,
        '--upstream',
        hotrod!.frontendUrl,
        '--service-name',
        'edge',
        '--otlp-endpoint',
        jaeger!.otlpHttpUrl,
      ],
      ready: () => acceptsConnections(listen!),
    }));
    try {
      await explainWithLogs([...peers(), relay], async () => {
        // No trace headers in: the relay starts the trace, HotROD must continue it.
        const res = await request(`http://127.0.0.1:${port}/dispatch?customer=123`);
        await res.body.dump();
        const joined = /^00-([0-9a-f]{32})-/.exec(String(res.headers['traceresponse']))?.[1];
        expect({ status: res.statusCode, joined: joined !== undefined }).toEqual({ status: 200, joined: true });
        const t = await settledTrace(
          new JaegerV3Source({ baseUrl: jaeger!.queryUrl }),
          joined!,
          "with the relay's spans and ≥ 35 HotROD spans",
          (x) => x.spans.some((s) => s.service === 'edge') && x.spans.length >= 37,
        );
        const byId = new Map(t.spans.map((s) => [s.spanId, s]));
        const dispatchSpan = t.spans.find((s) => s.service === 'frontend' && s.kind === 'server' && /\/dispatch$/.test(s.name))!;
        const parent = byId.get(dispatchSpan.parentSpanId ?? '');
        expect(parent && `${parent.service} ${parent.kind}`).toBe('edge client');
      });
    } finally {
      await relay.stop();
    }
  });
});
