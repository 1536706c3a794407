/**
 * The verifier's format-mismatch diagnosis end to end, from the propagation evidence relay hops record
 * (`meshtrace.propagation.*`): real relay hops (`startRelay`) on loopback exporting OTLP/protobuf to the
 * verifier's embedded receiver, the verifier's driver, matcher and diagnosis; and `meshtrace demo`
 * (real CLI, one relay process per hop) showing a bridged hop.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { startRelay, type RunningRelay } from '../../src/relay';
import { drive, parseSpec, startOtlpReceiver, verifyTraces, type OtlpReceiver, type VerifyResult } from '../../src/verify';
import type { PropagationFormat } from '../../src/propagation';
import { runCliProcess } from '../support/run-cli-process';

const REQUESTS = 3;

/** edge → ratings: edge is a server span + a client span, ratings a leaf server span. */
const CHAIN_SPEC = parseSpec(
  `
name: edge-ratings
match: every
spans:
  edge: { service: edge, kind: server, count: 1 }
  edge-out: { service: edge, kind: client, count: 1 }
  ratings: { service: ratings, kind: server, count: 1 }
edges:
  - edge > edge-out
  - edge-out > ratings
rules:
  singleTrace: true
`,
  'edge-ratings spec',
);

interface ChainRun {
  readonly result: VerifyResult;
  readonly receiver: OtlpReceiver;
}

/**
 * Starts ratings (a leaf) and edge (→ ratings) with the given formats, drives W3C requests at edge,
 * waits until every span arrived and verifies; everything started is closed before returning.
 */
async function runChain(edge: { propagate?: PropagationFormat[] }, ratings: { accept?: PropagationFormat[] }): Promise<ChainRun> {
  const receiver = await startOtlpReceiver({ port: 0 });
  const relays: RunningRelay[] = [];
  try {
    const common = { otlpEndpoint: receiver.url, spanFlushIntervalMs: 20 };
    const leaf = await startRelay({ ...common, serviceName: 'ratings', ...ratings });
    relays.push(leaf);
    const front = await startRelay({ ...common, serviceName: 'edge', upstreams: [leaf.url], ...edge });
    relays.push(front);
    const driven = await drive({ url: `${front.url}/ratings/1`, requests: REQUESTS, propagation: ['w3c'] });
    expect(driven.requests.map((r) => r.status)).toEqual(Array(REQUESTS).fill(200));
    // 3 spans per request (edge server + client, ratings server), whichever trace they land in.
    const deadline = Date.now() + 10_000;
    while (receiver.spansReceived < 3 * REQUESTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(receiver.spansReceived).toBe(3 * REQUESTS);
    const traces = receiver.traces();
    const result = verifyTraces(CHAIN_SPEC, traces, {
      traceIds: driven.traceIds,
      pool: traces,
      driver: driven.report,
      backend: { kind: 'otlp-receiver', url: receiver.url, spansReceived: receiver.spansReceived },
    });
    return { result, receiver };
  } finally {
    await Promise.all(relays.map((r) => r.close()));
    await receiver.close();
  }
}

describe('format mismatch diagnosis (relay hops + OTLP receiver on loopback)', () => {
  test('a hop writing B3 multi in front of a W3C-only hop: the verifier fails with format-mismatch naming the hop', async () => {
    // GIVEN edge writes only B3 multi and ratings reads only W3C (an app with the W3C propagator alone)
    // WHEN W3C requests pass and the verifier judges the traces
    const { result } = await runChain({ propagate: ['b3multi'] }, { accept: ['w3c'] });
    // THEN the spec fails (edge-out has no ratings child)
    expect(result.passed).toBe(false);
    // AND the only diagnosis is one format mismatch at edge → ratings (the verifier folds the same
    // finding in every request into one), with the formats as evidence; not a plain split
    expect(result.diagnoses.map((d) => d.kind)).toEqual(['format-mismatch']);
    const d = result.diagnoses[0]!;
    expect(d.hop).toEqual({ from: 'edge', to: 'ratings' });
    expect(d.title).toBe('edge → ratings: propagation format mismatch (W3C in, B3 multi out); the trace splits here');
    expect(d.evidence).toContain('edge received W3C and sent B3 multi');
    expect(d.evidence.join('\n')).toContain(`the same in ${REQUESTS} traces`);
    expect(d.hint).toContain('make edge write a format ratings reads');
  }, 30_000);

  test('the same B3-multi hop in front of a hop that reads every format: one trace, no diagnosis (bridging)', async () => {
    // GIVEN edge writes only B3 multi and ratings reads every format (the relay's default)
    // WHEN W3C requests pass
    const { result } = await runChain({ propagate: ['b3multi'] }, {});
    // THEN every trace is whole and nothing is diagnosed
    expect(result.diagnoses).toEqual([]);
    expect(result.passed).toBe(true);
  }, 30_000);

  test('a correct W3C chain gets no format-mismatch diagnosis', async () => {
    // GIVEN both hops speak W3C (edge by default writes what came in, ratings reads W3C only)
    // WHEN W3C requests pass
    const { result } = await runChain({}, { accept: ['w3c'] });
    // THEN the spec holds and no diagnosis is made
    expect(result.passed).toBe(true);
    expect(result.diagnoses.map((d) => d.kind)).not.toContain('format-mismatch');
    expect(result.diagnoses).toEqual([]);
  }, 30_000);

  test('a W3C chain whose hop drops the context is a split, not a format mismatch', async () => {
    // GIVEN edge drops the trace context on its calls (so it injects nothing)
    const receiver = await startOtlpReceiver({ port: 0 });
    const leaf = await startRelay({ otlpEndpoint: receiver.url, spanFlushIntervalMs: 20, serviceName: 'ratings' });
    const front = await startRelay({
      otlpEndpoint: receiver.url,
      spanFlushIntervalMs: 20,
      serviceName: 'edge',
      upstreams: [leaf.url],
      faults: ['drop-context'],
    });
    try {
      // WHEN one W3C request passes
      const driven = await drive({ url: front.url, requests: 1, propagation: ['w3c'] });
      const deadline = Date.now() + 10_000;
      while (receiver.spansReceived < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const traces = receiver.traces();
      const result = verifyTraces(CHAIN_SPEC, traces, { traceIds: driven.traceIds, pool: traces, driver: driven.report });
      // THEN the diagnosis is a split at edge → ratings (no formats were sent, so no format to blame)
      expect(result.diagnoses.map((d) => d.kind)).toEqual(['split-trace']);
      expect(result.diagnoses[0]!.hop).toEqual({ from: 'edge', to: 'ratings' });
    } finally {
      await Promise.all([front.close(), leaf.close()]);
      await receiver.close();
    }
  }, 30_000);
});

interface AssertionJson {
  readonly name?: string;
  readonly description?: string;
  readonly passed?: boolean;
  readonly ok?: boolean;
}

describe('meshtrace demo --propagate reviews:b3multi (real relay processes)', () => {
  const BRIDGING_SPEC = join(REPO_ROOT, 'samples', 'expectations', 'relay-demo-bridging.yaml');

  test('passes, and the spans show the bridge: reviews received W3C and wrote B3 multi, ratings read B3 multi', async () => {
    // GIVEN the demo with reviews writing B3 multi only, judged by the bridging spec
    // WHEN it runs with --json
    const run = await runCliProcess(['demo', '--json', '--propagate', 'reviews:b3multi', '--spec', BRIDGING_SPEC]);
    // THEN it passes with no diagnosis
    const doc = JSON.parse(run.stdout) as {
      exitCode: number;
      passed: boolean;
      verification: { passed: boolean; diagnoses: unknown[]; traces: { passed: boolean; assertions: AssertionJson[] }[] };
    };
    expect({ code: run.code, passed: doc.passed }).toEqual({ code: 0, passed: true });
    expect(doc.verification.diagnoses).toEqual([]);
    // AND every trace holds the evidence assertions (which fail without --propagate: see the next test)
    const text = JSON.stringify(doc.verification.traces);
    expect(text).toContain('meshtrace.propagation.extracted = b3multi');
    expect(text).toContain('meshtrace.propagation.injected = b3multi');
    expect(doc.verification.traces.every((t) => t.passed)).toBe(true);
  }, 120_000);

  test('without --propagate the bridging spec fails on exactly the evidence assertions', async () => {
    // GIVEN the demo with its default formats (W3C everywhere) WHEN judged by the bridging spec
    const run = await runCliProcess(['demo', '--spec', BRIDGING_SPEC, '--no-color']);
    // THEN it exits 1 and the failures name what reviews wrote and what ratings read
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('meshtrace.propagation.injected is ["w3c"], expected "b3multi"');
    expect(run.stdout).toContain('meshtrace.propagation.extracted is ["w3c"], expected "b3multi"');
  }, 120_000);
});
