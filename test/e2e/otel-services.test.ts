/**
 * The relay between real OpenTelemetry JS services (SDK 2.12: W3C, B3 multi and Jaeger propagators,
 * W3C baggage, OTLP/protobuf exporter) on loopback, every party exporting to the verifier's embedded
 * receiver (directly or through the real Collector): the mixed-format chain of
 * samples/expectations/otel-mixed-propagators.yaml is one trace and the receiver holds exactly what
 * the SDKs exported; broken variants are diagnosed with the party that must change. The same into
 * real Jaeger: test/real/otel-services-jaeger.test.ts.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import {
  drive,
  loadSpec,
  parseSpec,
  startOtlpReceiver,
  verifyTraces,
  type OtlpReceiver,
  type Spec,
  type VerifyResult,
} from '../../src/verify';
import { MIXED_PROPAGATOR_CHAIN, startChain, type Hop, type RunningChain } from '../support/otel/otel-chain';
import { startCollector, type RunningCollector } from '../support/otel/otel-collector';
import { expectedSpan } from '../support/otel/sdk-span';

const REQUESTS = 3;
const MIXED_SPEC = join(REPO_ROOT, 'samples', 'expectations', 'otel-mixed-propagators.yaml');

interface Running extends RunningChain {
  readonly receiver: OtlpReceiver;
  readonly collector?: RunningCollector;
}

/** The chain, every hop exporting to the receiver, or with `throughCollector` to a real Collector that forwards to it. */
async function start(hops: readonly Hop[], throughCollector = false): Promise<Running> {
  const receiver = await startOtlpReceiver({ port: 0 });
  const collector = throughCollector
    ? await startCollector({ tracesUrl: `${receiver.url}/v1/traces`, encoding: 'proto', compression: 'gzip' })
    : undefined;
  const chain = await startChain(hops, collector?.url ?? receiver.url);
  return { ...chain, receiver, ...(collector ? { collector } : {}) };
}

async function stop(r: Running): Promise<void> {
  await r.stop();
  await r.collector?.close();
  await r.receiver.close();
}

/** Drives W3C requests, waits until `spansPerRequest` × requests arrived, verifies. */
async function driveAndVerify(
  r: Running,
  spec: Spec,
  spansPerRequest: number,
  headers: Readonly<Record<string, string>> = {},
): Promise<VerifyResult> {
  const driven = await drive({ url: `${r.entry}/ratings/1`, requests: REQUESTS, propagation: ['w3c'], headers });
  expect(driven.requests.map((q) => q.status)).toEqual(Array(REQUESTS).fill(200));
  await r.flush();
  const deadline = Date.now() + 10_000;
  while (r.receiver.spansReceived < spansPerRequest * REQUESTS && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  expect(r.receiver.spansReceived).toBe(spansPerRequest * REQUESTS);
  const traces = r.receiver.traces();
  return verifyTraces(spec, traces, {
    traceIds: driven.traceIds,
    pool: traces,
    driver: driven.report,
    backend: { kind: 'otlp-receiver', url: r.receiver.url, spansReceived: r.receiver.spansReceived },
  });
}

/** a (server, client) → b (server): the shape every broken variant below is judged by. */
const TWO_HOP_SPEC = parseSpec(
  `
name: a-b
spans:
  a: { service: a, kind: server, count: 1 }
  a-out: { service: a, kind: client, count: 1 }
  b: { service: b, kind: server, count: 1 }
edges: [a > a-out, a-out > b]
rules: { singleTrace: true }
`,
  'a-b spec',
);

describe('the relay between real OpenTelemetry JS services (W3C, B3 multi, Jaeger)', () => {
  test.each([
    ['to the embedded receiver', false],
    ['through the real OpenTelemetry Collector', true],
  ])(
    'W3C service → relay → B3-multi-only service → relay → Jaeger-only service, exporting %s: one trace, sampled, no diagnosis; the receiver holds what each SDK exported, field by field',
    async (_how, throughCollector) => {
      // GIVEN the chain samples/expectations/otel-mixed-propagators.yaml describes: web (W3C +
      // baggage) → relay-1 (writes W3C + B3 multi) → orders (B3 multi + baggage) → relay-2 (writes
      // Jaeger) → stock (Jaeger); test/real/otel-services-jaeger.test.ts runs the same into real Jaeger
      const r = await start(MIXED_PROPAGATOR_CHAIN, throughCollector);
      try {
        const spec = await loadSpec(MIXED_SPEC);
        // WHEN W3C requests with the spec's tracestate and baggage pass (9 spans each: 3 services ×
        // server/client but the leaf, 2 relays × 2)
        const result = await driveAndVerify(r, spec, 9, spec.trigger!.headers);
        // THEN every trace holds and nothing is diagnosed
        expect(result.diagnoses).toEqual([]);
        expect([...result.assertions, ...result.traces.flatMap((t) => t.assertions)].filter((a) => !a.passed)).toEqual([]);
        expect(result.traces.map((t) => [t.passed, t.spanCount])).toEqual(Array(REQUESTS).fill([true, 9]));
        // AND each SDK span arrived at the receiver exactly as the SDK holds it (ids, parent, kind,
        // times, attributes, resource, events, status, scope), none missing and none extra
        const received = new Map(
          r.receiver
            .traces()
            .flatMap((t) => t.spans)
            .map((s) => [s.spanId, s]),
        );
        const exported = [...r.services.values()].flatMap((s) => s.finished());
        expect(exported).toHaveLength(5 * REQUESTS);
        for (const sdk of exported) expect(received.get(sdk.spanContext().spanId)).toEqual(expectedSpan(sdk));
      } finally {
        await stop(r);
      }
    },
    90_000,
  );

  test('a relay forwarding W3C to a B3-multi-only service that declares its propagator: format mismatch, "b was sent W3C and reads B3 multi only", b must change', async () => {
    // GIVEN a → relay (writes what came in: W3C) → b (B3 multi only; records the traceparent that
    // arrived, as instrumentation-http's headersToSpanAttributes does; declares its propagator)
    const r = await start([
      { otel: { name: 'a', propagator: 'w3c' } },
      { relay: { name: 'relay' } },
      { otel: { name: 'b', propagator: 'b3multi', captureRequestHeaders: ['traceparent', 'x-b3-traceid'], declarePropagator: true } },
    ]);
    try {
      const spec = parseSpec(
        `
name: a-relay-b
spans:
  a: { service: a, kind: server, count: 1 }
  relay-out: { service: relay, kind: client, count: 1 }
  b: { service: b, kind: server, count: 1 }
edges: [a >> relay-out, relay-out > b]
`,
        'a-relay-b spec',
      );
      // WHEN W3C requests pass (a server+client, relay server+client, b server)
      const result = await driveAndVerify(r, spec, 5);
      // THEN the one diagnosis is a format mismatch at relay → b that says what b was sent and what it reads
      expect(result.passed).toBe(false);
      expect(result.diagnoses.map((d) => [d.kind, d.hop, d.party])).toEqual([['format-mismatch', { from: 'relay', to: 'b' }, 'b']]);
      const d = result.diagnoses[0]!;
      expect(d.evidence).toContain('b was sent W3C and reads B3 multi only');
      expect(d.evidence.join('\n')).not.toContain('b reads W3C');
      expect(d.title).toBe('relay → b: propagation format mismatch (W3C in, W3C out); the trace splits here');
      expect(d.hint).toMatch(/^configure b's propagator to read W3C/);
    } finally {
      await stop(r);
    }
  }, 60_000);

  test('the same without a declared propagator: the traceparent demonstrably arrived, so b (not the relay) is named', async () => {
    // GIVEN the same chain, but b does not say what it reads
    const r = await start([
      { otel: { name: 'a', propagator: 'w3c' } },
      { relay: { name: 'relay' } },
      { otel: { name: 'b', propagator: 'b3multi', captureRequestHeaders: ['traceparent'] } },
    ]);
    try {
      const spec = parseSpec(
        `name: x\nspans:\n  a: { service: a, kind: server, count: 1 }\n  relay-out: { service: relay, kind: client, count: 1 }\n  b: { service: b, kind: server, count: 1 }\nedges: [relay-out > b]\n`,
        'spec',
      );
      const result = await driveAndVerify(r, spec, 5);
      // THEN a split whose party is b, with the evidence that W3C was sent
      expect(result.diagnoses.map((d) => [d.kind, d.hop, d.party])).toEqual([['split-trace', { from: 'relay', to: 'b' }, 'b']]);
      const d = result.diagnoses[0]!;
      expect(d.title).toBe('relay → b lost context: b received W3C headers and started a new trace');
      expect(d.evidence).toContain('what b reads is not recorded');
      expect(d.hint).not.toContain('relay must copy');
    } finally {
      await stop(r);
    }
  }, 60_000);

  test('a relay that ignored the W3C headers it was sent (--accept b3multi): the relay is named, not the caller', async () => {
    // GIVEN a (W3C) → relay accepting B3 multi only → b
    const r = await start([
      { otel: { name: 'a', propagator: 'w3c' } },
      { relay: { name: 'b', accept: ['b3multi'] } },
      { otel: { name: 'c', propagator: 'w3c' } },
    ]);
    try {
      // WHEN W3C requests pass (a server+client, relay b server+client, c server)
      const result = await driveAndVerify(r, TWO_HOP_SPEC, 5);
      // THEN a format mismatch at a → b whose party is b, with the ignored headers as evidence
      expect(result.passed).toBe(false);
      expect(result.diagnoses.map((d) => [d.kind, d.hop, d.party])).toEqual([['format-mismatch', { from: 'a', to: 'b' }, 'b']]);
      const d = result.diagnoses[0]!;
      expect(d.title).toBe('a → b: propagation format mismatch (W3C sent, b reads B3 multi); the trace splits here');
      expect(d.evidence).toContain('b was sent W3C and reads B3 multi only');
      expect(d.evidence.join('\n')).toMatch(/b ignored the W3C headers that arrived \(meshtrace\.propagation\.ignored on b "GET"\)/);
      expect(d.hint).not.toContain('a must copy');
      expect(d.hint).toMatch(/^configure b's propagator to read W3C/);
    } finally {
      await stop(r);
    }
  }, 60_000);

  test('a relay that drops the context between two W3C services: a split whose party is the relay (it recorded that it sent nothing)', async () => {
    // GIVEN a (W3C) → relay with a drop-context fault → c (W3C)
    const r = await start([
      { otel: { name: 'a', propagator: 'w3c' } },
      { relay: { name: 'relay', faults: ['drop-context'] } },
      { otel: { name: 'c', propagator: 'w3c' } },
    ]);
    try {
      const spec = parseSpec(
        `name: x\nspans:\n  a: { service: a, kind: server, count: 1 }\n  relay-out: { service: relay, kind: client, count: 1 }\n  c: { service: c, kind: server, count: 1 }\nedges: [relay-out > c]\n`,
        'spec',
      );
      const result = await driveAndVerify(r, spec, 5);
      // THEN a split at relay → c, blamed on the relay, not a format mismatch and not c
      expect(result.diagnoses.map((d) => [d.kind, d.hop, d.party])).toEqual([['split-trace', { from: 'relay', to: 'c' }, 'relay']]);
      expect(result.diagnoses[0]!.evidence.join('\n')).toContain(
        'relay sent no trace headers on this call (meshtrace.propagation.injected is empty on relay "GET")',
      );
    } finally {
      await stop(r);
    }
  }, 60_000);

  test.each([true, false])(
    'a relay writing only B3 multi in front of a W3C-only service (propagator declared: %s): what arrived is not reported as what it reads; the relay is named',
    async (declarePropagator) => {
      // GIVEN a (W3C) → relay --propagate b3multi → b (W3C only; records the B3 headers that arrived)
      const r = await start([
        { otel: { name: 'a', propagator: 'w3c' } },
        { relay: { name: 'relay', propagate: ['b3multi'] } },
        { otel: { name: 'b', propagator: 'w3c', captureRequestHeaders: ['traceparent', 'x-b3-traceid'], declarePropagator } },
      ]);
      try {
        const spec = parseSpec(
          `name: x\nspans:\n  a: { service: a, kind: server, count: 1 }\n  relay-out: { service: relay, kind: client, count: 1 }\n  b: { service: b, kind: server, count: 1 }\nedges: [relay-out > b]\n`,
          'spec',
        );
        const result = await driveAndVerify(r, spec, 5);
        // THEN a format mismatch at relay → b whose party is the relay (it translated W3C into B3 multi)
        expect(result.diagnoses.map((d) => [d.kind, d.hop, d.party])).toEqual([['format-mismatch', { from: 'relay', to: 'b' }, 'relay']]);
        const d = result.diagnoses[0]!;
        expect(d.evidence).toContain('relay received W3C and sent B3 multi');
        // AND the B3 headers that arrived at b are what b was sent, never what b reads
        expect(d.evidence.join('\n')).not.toContain('b reads B3 multi');
        expect(d.evidence).toContain(
          declarePropagator ? 'b was sent B3 multi and reads W3C only' : 'b was sent B3 multi; what b reads is not recorded',
        );
        expect(d.hint).toMatch(/^make relay write a format b reads/);
      } finally {
        await stop(r);
      }
    },
    60_000,
  );
});
