/**
 * Lab 02-intermediate/02-sampling, end to end on loopback: three real relay hops (edge → a → b),
 * the edge sampling new traces at 25 %, the verify driver sending B3 ids WITHOUT a decision, the
 * embedded OTLP receiver, and the shipped spec `relay-sampling.yaml`. The edge's random source is
 * seeded so the run is reproducible; the sampling code path is the relay's own.
 */
import { startRelay, type RunningRelay } from '../../src/relay';
import { drive, loadSpec, parseSpec, pollAndVerify, receiverSource, startOtlpReceiver, type OtlpReceiver } from '../../src/verify';
import { REPO_ROOT } from '../../src/paths';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../support/seeded-random';

const SPEC = join(REPO_ROOT, 'samples', 'expectations', 'relay-sampling.yaml');

describe('relay --sample-rate 0.25 measured by the verifier over 400 requests', () => {
  let receiver: OtlpReceiver;
  const hops: RunningRelay[] = [];
  let driven: Awaited<ReturnType<typeof drive>>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0 });
    const common = { listen: '127.0.0.1:0', otlpEndpoint: receiver.url, spanFlushIntervalMs: 100, log: () => {} };
    const b = await startRelay({ ...common, serviceName: 'b' });
    const a = await startRelay({ ...common, serviceName: 'a', upstreams: [b.url] });
    const edge = await startRelay({ ...common, serviceName: 'edge', upstreams: [a.url], sampleRate: 0.25, random: mulberry32(8) });
    hops.push(edge, a, b);
    // GIVEN the spec's trigger: 400 requests, B3, no decision
    const spec = await loadSpec(SPEC);
    expect(spec.trigger).toMatchObject({ requests: 400, propagation: ['b3'], sampling: 'deferred' });
    driven = await drive({
      url: `${edge.url}/`,
      requests: spec.trigger!.requests,
      concurrency: spec.trigger!.concurrency,
      propagation: spec.trigger!.propagation,
      deferSampling: true,
    });
    expect(driven.requests.every((r) => r.status === 200)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(hops.map((h) => h.close()));
    await receiver?.close();
  });

  test('the shipped 25 % spec passes; every sampled trace is whole (a and b followed the edge)', async () => {
    const spec = await loadSpec(SPEC);
    const outcome = await pollAndVerify(spec, receiverSource(receiver), {
      traceIds: driven.traceIds,
      driver: driven.report,
      requests: 400,
    });
    const rate = outcome.result.assertions.find((a) => a.text.startsWith('sampling rate'))!;
    expect(rate.passed).toBe(true);
    const k = Number(/^(\d+) of 400/.exec(rate.detail)![1]);
    // 99 % Wilson interval around 25 % at n = 400 is about 19.7 %..31.2 %.
    expect(k).toBeGreaterThan(78);
    expect(k).toBeLessThan(125);
    expect(outcome.result.traces).toHaveLength(k);
    expect(outcome.result.traces.every((t) => t.passed && t.services.length === 3)).toBe(true);
    expect(outcome.result.passed).toBe(true);
    // Unsampled requests left no span anywhere: parent-based sampling downstream.
    expect(receiver.spansReceived).toBe(k * 5);
  }, 60_000);

  test('the same traces fail a 75 % assertion, and the detail gives the measured rate and the plausible range', async () => {
    const text = readFileSync(SPEC, 'utf8').replace('rate: 0.25', 'rate: 0.75');
    const spec = parseSpec(text, 'relay-sampling-75');
    const outcome = await pollAndVerify(spec, receiverSource(receiver), { traceIds: driven.traceIds, driver: driven.report });
    const rate = outcome.result.assertions.find((a) => a.text.startsWith('sampling rate'))!;
    expect(rate.text).toBe('sampling rate 75.0% (at 99.0% confidence)');
    expect(rate.passed).toBe(false);
    expect(rate.detail).toMatch(/^\d+ of 400 requests traced \(\d+\.\d%\); plausible rates \d+\.\d%\.\.\d+\.\d%$/);
    expect(outcome.result.passed).toBe(false);
  }, 60_000);
});
