import { jest } from '@jest/globals';
/**
 * The relay between real OpenTelemetry JS services (SDK 2.12: W3C, B3 multi and Jaeger propagators,
 * W3C baggage, OTLP/protobuf exporter), every party, relay hops included, exporting to real Jaeger
 * 2.12 (directly, or through the real OpenTelemetry Collector 0.165) as the kit renders it (collector + query over remote-storage, test/support/kit-jaeger.ts,
 * started once for the file), and the verdict read back through Jaeger's real query APIs by the real
 * `meshtrace verify --jaeger-url` CLI: the mixed chain is one trace, sampled, tracestate and baggage
 * kept (samples/expectations/otel-mixed-propagators.yaml); three broken chains are diagnosed with the
 * party that must change; and a batch of SDK spans comes back from /api/v3 and the legacy API as the
 * SDK recorded them, but for Jaeger's own conversions (test/support/otel/jaeger-returns.ts).
 * Every variant has its own service names, so the searches for split-off fragments in the one Jaeger
 * see only that variant's traces.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { REPO_ROOT } from '../../src/paths';
import { drive, type Diagnosis } from '../../src/verify';
import type { Trace } from '../../src/verify/model';
import { JaegerLegacySource } from '../../src/verify/sources/jaeger-legacy';
import { JaegerV3Source } from '../../src/verify/sources/jaeger-v3';
import { startKitJaeger, type RunningKitJaeger } from '../support/kit-jaeger';
import { MIXED_PROPAGATOR_CHAIN, startChain, type Hop, type RunningChain } from '../support/otel/otel-chain';
import { asJaegerReturns, withoutJaegerWarnings, type JaegerApi } from '../support/otel/jaeger-returns';
import { startCollector } from '../support/otel/otel-collector';
import { makeSpans } from '../support/otel/sdk-batch';
import { expectedSpan, expectSameSpan } from '../support/otel/sdk-span';
import { explainWithLogs, waitFor, writeTempFile } from '../support/peers';
import { runCliProcess } from '../support/run-cli-process';

jest.setTimeout(120_000);

const MIXED_SPEC = join(REPO_ROOT, 'samples', 'expectations', 'otel-mixed-propagators.yaml');
const REQUESTS = 3;

let jaeger: RunningKitJaeger | undefined;

beforeAll(async () => {
  jaeger = await startKitJaeger();
});

afterAll(async () => {
  await jaeger?.stop();
});

interface Assertion {
  readonly text: string;
  readonly passed: boolean;
}

/** What `meshtrace verify --json` printed (the fields read here). */
interface VerifyDoc {
  readonly passed: boolean;
  readonly source: string;
  readonly traces: readonly {
    readonly traceId: string;
    readonly passed: boolean;
    readonly spanCount: number;
    readonly assertions: readonly Assertion[];
  }[];
  readonly assertions: readonly Assertion[];
  readonly diagnoses: readonly Diagnosis[];
}

/** `meshtrace verify --spec … --jaeger-url <query> …args --json` as a real process: exit code and report. */
async function verifyThroughJaeger(spec: string, args: readonly string[]): Promise<{ code: number | null; doc: VerifyDoc }> {
  const run = await runCliProcess(['verify', '--spec', spec, '--jaeger-url', jaeger!.queryUrl, ...args, '--json'], 90_000);
  if (!run.stdout.trim().startsWith('{'))
    throw new Error(`meshtrace verify printed no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  return { code: run.code, doc: JSON.parse(run.stdout) as VerifyDoc };
}

/**
 * Runs `fn` against a chain exporting to the file's Jaeger, or with `throughCollector` to a real
 * OpenTelemetry Collector forwarding to it; all is stopped after, failures carry Jaeger's logs.
 */
async function withChain<T>(hops: readonly Hop[], fn: (chain: RunningChain) => Promise<T>, throughCollector = false): Promise<T> {
  const collector = throughCollector
    ? await startCollector({ tracesUrl: `${jaeger!.otlpHttpUrl}/v1/traces`, encoding: 'proto', compression: 'gzip' })
    : undefined;
  try {
    const chain = await startChain(hops, collector?.url ?? jaeger!.otlpHttpUrl);
    try {
      return await explainWithLogs(jaeger!.peers, () => fn(chain));
    } finally {
      await chain.stop();
    }
  } finally {
    await collector?.close();
  }
}

/**
 * A broken chain judged by the CLI: drives 2 W3C requests, waits until Jaeger holds every span the
 * chain exported (so the verdict is never taken on half a split), then `meshtrace verify --trace-id …`.
 */
async function judgeBrokenChain(chain: RunningChain, spec: string): Promise<{ code: number | null; doc: VerifyDoc }> {
  const driven = await drive({ url: `${chain.entry}/`, requests: 2, propagation: ['w3c'] });
  expect(driven.requests.map((r) => r.status)).toEqual([200, 200]);
  const { spans, traceIds } = await chain.settle();
  const source = SOURCES.v3();
  await waitFor(`Jaeger to hold the ${spans} spans of traces ${[...traceIds].join(', ')}`, async () => {
    const got = await Promise.all([...traceIds].map((id) => source.getTrace(id)));
    return got.reduce((n, t) => n + (t?.spans.length ?? 0), 0) === spans ? true : undefined;
  });
  return verifyThroughJaeger(
    spec,
    driven.traceIds.flatMap((id) => ['--trace-id', id]),
  );
}

/** Polls a source until the trace holds `spans` spans (they land after the collector's batch). */
function readBack(source: JaegerV3Source | JaegerLegacySource, traceId: string, spans: number): Promise<Trace> {
  return waitFor(`trace ${traceId} with ${spans} spans from ${source.kind}`, async () => {
    const t = await source.getTrace(traceId);
    return t && t.spans.length >= spans ? t : undefined;
  });
}

const SOURCES: Record<JaegerApi, () => JaegerV3Source | JaegerLegacySource> = {
  v3: () => new JaegerV3Source({ baseUrl: jaeger!.queryUrl }),
  legacy: () => new JaegerLegacySource({ baseUrl: jaeger!.queryUrl }),
};

/** Every span the SDK recorded comes back from `api` as Jaeger returns it (none missing, none extra per trace). */
async function expectJaegerHolds(api: JaegerApi, sdkSpans: readonly ReadableSpan[], spansPerTrace: Map<string, number>): Promise<void> {
  const source = SOURCES[api]();
  const got = new Map<string, Trace['spans'][number]>();
  for (const [traceId, count] of spansPerTrace) {
    const t = await readBack(source, traceId, count);
    expect([traceId, t.spans.length]).toEqual([traceId, count]);
    for (const s of t.spans) got.set(s.spanId, s);
  }
  for (const sdk of sdkSpans)
    expectSameSpan(withoutJaegerWarnings(got.get(sdk.spanContext().spanId)), asJaegerReturns(expectedSpan(sdk), sdk, api));
}

describe('the relay between real OpenTelemetry JS services, exporting to real Jaeger', () => {
  // Both runs use the same service names: an earlier run's complete traces are other requests (their
  // roots are the entry span), never fragments or strays of this one.
  test.each([
    ['directly', false],
    ['through the real OpenTelemetry Collector', true],
  ])(
    'W3C service → relay → B3-multi-only service → relay → Jaeger-only service, exporting %s: one sampled trace per request, tracestate and baggage kept, no diagnosis, on /api/v3 and the legacy API',
    async (_how, throughCollector) => {
      // GIVEN web (W3C + baggage) → relay-1 (writes W3C + B3 multi) → orders (B3 multi + baggage) →
      // relay-2 (writes Jaeger) → stock (Jaeger), each recording the trace headers that arrived and
      // the `tenant` baggage member
      await withChain(
        MIXED_PROPAGATOR_CHAIN,
        async (chain) => {
          // WHEN the real CLI drives the spec's trigger (3 W3C requests with `tracestate: vendor=abc` and
          // `baggage: tenant=acme`) at the chain and reads /api/v3
          const v3 = await verifyThroughJaeger(MIXED_SPEC, ['--trigger', `${chain.entry}/ratings/1`, '--jaeger-api', 'v3']);
          // THEN every trace holds: 9 spans (3 services × server/client but the leaf, 2 relays × 2), no diagnosis
          expect([...v3.doc.assertions, ...v3.doc.traces.flatMap((t) => t.assertions)].filter((a) => !a.passed)).toEqual([]);
          expect(v3.doc.diagnoses).toEqual([]);
          expect(v3.doc.traces.map((t) => [t.passed, t.spanCount])).toEqual(Array(REQUESTS).fill([true, 9]));
          expect([v3.code, v3.doc.passed, v3.doc.source]).toEqual([0, true, `Jaeger /api/v3 at ${jaeger!.queryUrl}`]);
          // AND the legacy API, asked for the same trace ids, gives the same verdict
          const ids = v3.doc.traces.map((t) => t.traceId);
          const legacy = await verifyThroughJaeger(MIXED_SPEC, [...ids.flatMap((id) => ['--trace-id', id]), '--jaeger-api', 'legacy']);
          expect([
            legacy.code,
            legacy.doc.passed,
            legacy.doc.diagnoses,
            legacy.doc.traces.map((t) => [t.traceId, t.passed, t.spanCount]),
          ]).toEqual([0, true, [], ids.map((id) => [id, true, 9])]);

          // AND the SDKs agree: every span sampled, web continued the caller's tracestate
          await chain.flush();
          const sdkSpans = [...chain.services.values()].flatMap((s) => s.finished());
          expect(sdkSpans).toHaveLength(5 * REQUESTS);
          expect(new Set(sdkSpans.map((s) => s.spanContext().traceId))).toEqual(new Set(ids));
          expect(sdkSpans.every((s) => s.spanContext().traceFlags === 1)).toBe(true);
          expect(
            sdkSpans.filter((s) => s.resource.attributes['service.name'] === 'web').map((s) => s.spanContext().traceState?.serialize()),
          ).toEqual(Array(2 * REQUESTS).fill('vendor=abc'));
          // AND each SDK span is in Jaeger as the SDK recorded it, on both APIs (the relays' spans make up the 9)
          const perTrace = new Map(ids.map((id) => [id, 9]));
          await expectJaegerHolds('v3', sdkSpans, perTrace);
          await expectJaegerHolds('legacy', sdkSpans, perTrace);
        },
        throughCollector,
      );
    },
  );

  /** A broken chain, the hop its spec judges (caller → callee), and the diagnosis it must get. */
  interface Broken {
    readonly name: string;
    readonly hops: readonly Hop[];
    readonly caller: string;
    readonly callee: string;
    readonly kind: Diagnosis['kind'];
    readonly party: string;
    readonly evidence: readonly string[];
    readonly title: string;
    readonly hint: RegExp;
  }

  const BROKEN: readonly Broken[] = [
    {
      // ign-orders reads B3 multi only: what a service whose propagator ignores W3C does (the relay records it).
      name: 'a downstream whose propagator ignores the W3C headers it was sent (a relay hop with --accept b3multi): format mismatch, the ignoring downstream is the party (meshtrace.propagation.ignored read back through Jaeger)',
      hops: [
        { otel: { name: 'ign-web', propagator: 'w3c' } },
        { relay: { name: 'ign-orders', accept: ['b3multi'] } },
        { otel: { name: 'ign-stock', propagator: 'w3c' } },
      ],
      caller: 'ign-web',
      callee: 'ign-orders',
      kind: 'format-mismatch',
      party: 'ign-orders',
      title: 'ign-web → ign-orders: propagation format mismatch (W3C sent, ign-orders reads B3 multi); the trace splits here',
      evidence: [
        'ign-orders was sent W3C and reads B3 multi only',
        'ign-orders ignored the W3C headers that arrived (meshtrace.propagation.ignored on ign-orders "GET")',
      ],
      hint: /^configure ign-orders's propagator to read W3C/,
    },
    {
      name: 'a relay hop that drops the headers between two W3C services (--fault drop-context): a split whose party is the relay (its empty injected list read back through Jaeger)',
      hops: [
        { otel: { name: 'drop-web', propagator: 'w3c' } },
        { relay: { name: 'drop-relay', faults: ['drop-context'] } },
        { otel: { name: 'drop-stock', propagator: 'w3c' } },
      ],
      caller: 'drop-relay',
      callee: 'drop-stock',
      kind: 'split-trace',
      party: 'drop-relay',
      title: 'drop-relay → drop-stock lost context; check header propagation',
      evidence: ['drop-relay sent no trace headers on this call (meshtrace.propagation.injected is empty on drop-relay "GET")'],
      hint: /^drop-relay must copy the incoming trace headers \(.*\) onto its call to drop-stock$/,
    },
    {
      // mm-stock declares that it reads W3C and records the B3 headers that arrived.
      name: 'a relay sending B3 multi to a W3C-only service (--propagate b3multi): format mismatch whose party is the relay (it translated W3C into a format the service does not read)',
      hops: [
        { otel: { name: 'mm-web', propagator: 'w3c' } },
        { relay: { name: 'mm-relay', propagate: ['b3multi'] } },
        { otel: { name: 'mm-stock', propagator: 'w3c', declarePropagator: true, captureRequestHeaders: ['traceparent', 'x-b3-traceid'] } },
      ],
      caller: 'mm-relay',
      callee: 'mm-stock',
      kind: 'format-mismatch',
      party: 'mm-relay',
      title: 'mm-relay → mm-stock: propagation format mismatch (W3C in, B3 multi out); the trace splits here',
      evidence: ['mm-relay received W3C and sent B3 multi', 'mm-stock was sent B3 multi and reads W3C only'],
      hint: /^make mm-relay write a format mm-stock reads \(W3C\)/,
    },
  ];

  test.each(BROKEN.map((b) => [b.name, b] as const))('%s', async (_name, b) => {
    // GIVEN the broken chain, and a spec of the hop: the caller's server and client span, the callee's server span
    const spec = writeTempFile(`${b.callee}.yaml`, {
      name: `${b.caller}-${b.callee}`,
      poll: { interval: '300ms', timeout: '20s', stablePolls: 2 },
      spans: {
        caller: { service: b.caller, kind: 'server', count: 1 },
        'caller-out': { service: b.caller, kind: 'client', count: 1 },
        callee: { service: b.callee, kind: 'server', count: 1 },
      },
      edges: ['caller > caller-out', 'caller-out > callee'],
      rules: { singleTrace: true },
    });
    await withChain(b.hops, async (chain) => {
      // WHEN W3C requests pass and the CLI reads the verdict from Jaeger
      const { code, doc } = await judgeBrokenChain(chain, spec);
      // THEN the one diagnosis is at caller → callee, of the expected kind, naming the party that must change
      expect([code, doc.passed]).toEqual([1, false]);
      expect(doc.diagnoses.map((d) => [d.kind, d.hop, d.party])).toEqual([[b.kind, { from: b.caller, to: b.callee }, b.party]]);
      const d = doc.diagnoses[0]!;
      expect(d.evidence).toEqual(expect.arrayContaining([...b.evidence]));
      expect(d.title).toBe(b.title);
      expect(d.hint).toMatch(b.hint);
    });
  });

  /** Sends one batch as the SDK's OTLP/protobuf exporter does, or as OTLP/JSON written by its serializer (no JSON exporter is installed); both gzip. */
  async function exportBatch(spans: ReadableSpan[], encoding: 'protobuf' | 'json'): Promise<void> {
    const url = `${jaeger!.otlpHttpUrl}/v1/traces`;
    if (encoding === 'protobuf') {
      const exporter = new OTLPTraceExporter({ url, compression: CompressionAlgorithm.GZIP, timeoutMillis: 30_000 });
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      await exporter.shutdown();
      expect(result).toEqual({ code: ExportResultCode.SUCCESS });
      return;
    }
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!)),
    });
    const answer = await res.body.text();
    // The answer's text is in the failure message when Jaeger refuses the batch.
    expect({ status: res.statusCode, answer }).toMatchObject({ status: 200 });
  }

  test.each(['protobuf', 'json'] as const)(
    '500 SDK spans (every attribute type, events, links, error and ok status, five kinds, two services × two scopes) sent as OTLP/%s with gzip come back from /api/v3 and the legacy API as the SDK recorded them, but for Jaeger’s conversions',
    async (encoding) => {
      await explainWithLogs(jaeger!.peers, async () => {
        // GIVEN 50 traces of 10 spans from the SDK WHEN they reach Jaeger's OTLP/HTTP receiver in one batch
        const spans = makeSpans(500);
        await exportBatch(spans, encoding);
        // THEN both APIs return every trace whole, and every span field by field
        const perTrace = new Map<string, number>();
        for (const s of spans) perTrace.set(s.spanContext().traceId, (perTrace.get(s.spanContext().traceId) ?? 0) + 1);
        expect(perTrace.size).toBe(50);
        await expectJaegerHolds('v3', spans, perTrace);
        await expectJaegerHolds('legacy', spans, perTrace);
      });
    },
  );
});
