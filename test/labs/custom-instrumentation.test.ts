/**
 * Lab 02-intermediate/01-custom-instrumentation on loopback: real relay hops with a custom span
 * attribute and baggage, verified with the shipped spec `relay-custom-attributes.yaml`.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { RelayOptionError, resolveRelayOptions, startRelay, type RunningRelay } from '../../src/relay';
import { recordBaggage } from '../../src/relay/hop';
import { drive, loadSpec, pollAndVerify, receiverSource, startOtlpReceiver, type OtlpReceiver } from '../../src/verify';

const SPEC = join(REPO_ROOT, 'samples', 'expectations', 'relay-custom-attributes.yaml');

describe('relay --span-attribute / --baggage / --baggage-attribute, verified by relay-custom-attributes.yaml', () => {
  let receiver: OtlpReceiver;
  const hops: RunningRelay[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0 });
    const common = { listen: '127.0.0.1:0', otlpEndpoint: receiver.url, spanFlushIntervalMs: 100, log: () => {} };
    const b = await startRelay({ ...common, serviceName: 'b', baggageAttributes: ['tenant'] });
    const a = await startRelay({ ...common, serviceName: 'a', upstreams: [b.url], baggageAttributes: ['tenant'] });
    const edge = await startRelay({
      ...common,
      serviceName: 'edge',
      upstreams: [a.url],
      spanAttributes: { 'workshop.lab': '02-intermediate' },
      baggage: { tenant: 'acme' },
    });
    hops.push(edge, a, b);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(hops.map((h) => h.close()));
    await receiver?.close();
  });

  afterEach(() => receiver.clear());

  test('the spec passes: the attribute stays on the edge, the baggage is recorded at a and b', async () => {
    // GIVEN
    const spec = await loadSpec(SPEC);
    // WHEN
    const driven = await drive({ url: `${hops[0]!.url}/`, requests: 3, propagation: ['w3c'] });
    const outcome = await pollAndVerify(spec, receiverSource(receiver), { traceIds: driven.traceIds, driver: driven.report });
    // THEN
    expect(outcome.result.assertions.filter((a) => !a.passed)).toEqual([]);
    expect(outcome.result.traces.every((t) => t.passed)).toBe(true);
    expect(outcome.result.passed).toBe(true);
  }, 60_000);

  test("incoming baggage with the same key is replaced by the edge's value, never recorded twice", async () => {
    const spec = await loadSpec(SPEC);
    const driven = await drive({ url: `${hops[0]!.url}/`, requests: 1, propagation: ['w3c'], headers: { baggage: 'tenant=evil,other=1' } });
    const outcome = await pollAndVerify(spec, receiverSource(receiver), { traceIds: driven.traceIds, driver: driven.report });
    // The edge's server span now has no tenant attribute (no --baggage-attribute there), but a's is acme.
    expect(outcome.result.passed).toBe(true);
  }, 60_000);

  test("recordBaggage: opt-in keys only, bounded values, the hop's own attributes win", () => {
    const attrs: Record<string, string | number | boolean> = { 'http.request.method': 'GET' };
    recordBaggage(
      ['tenant', 'http.request.method', 'missing'],
      [
        { key: 'tenant', value: 'x'.repeat(300) },
        { key: 'http.request.method', value: 'POST' },
        { key: 'secret', value: 's' },
      ],
      attrs,
    );
    expect(attrs).toEqual({ 'http.request.method': 'GET', tenant: 'x'.repeat(256) });
  });

  test('a bad --baggage-attribute key is refused with the flag, the value and what is allowed', () => {
    expect(() => resolveRelayOptions({ baggageAttributes: ['bad key'] })).toThrow(RelayOptionError);
    expect(() => resolveRelayOptions({ baggageAttributes: ['bad key'] })).toThrow(/--baggage-attribute.*"bad key".*RFC 7230 token/);
  });
});
