import { drive, mintHeaders } from '../../src/verify/driver';
import { parseSpec, SpecError } from '../../src/verify/spec';
import { extract } from '../../src/propagation';

describe('driver: deferred sampling (ids without a decision, for sampling-rate checks)', () => {
  test('B3 single: traceid-spanid with no sampling state; the relay core reads it as deferred', () => {
    // WHEN
    const m = mintHeaders(['b3'], 'deferred');
    // THEN
    expect(m.headers).toEqual({ b3: `${m.traceId}-${m.spanId}` });
    expect(extract(m.headers).context?.sampling).toBe('deferred');
  });

  test('B3 multi: ids without X-B3-Sampled', () => {
    const m = mintHeaders(['b3multi'], 'deferred');
    expect(m.headers['x-b3-traceid']).toBe(m.traceId);
    expect(m.headers['x-b3-spanid']).toBe(m.spanId);
    expect(m.headers).not.toHaveProperty('x-b3-sampled');
    expect(extract(m.headers).context?.sampling).toBe('deferred');
  });

  test('booleans keep their meaning (sampled / not sampled)', () => {
    expect(mintHeaders(['b3'], true).headers.b3).toMatch(/-1$/);
    expect(mintHeaders(['b3'], false).headers.b3).toMatch(/-0$/);
  });

  test('drive refuses deferred sampling with a format that cannot defer, before sending anything', async () => {
    await expect(drive({ url: 'http://127.0.0.1:9/', propagation: ['w3c'], deferSampling: true })).rejects.toThrow(
      /deferSampling needs propagation b3 or b3multi only \(got w3c\)/,
    );
    await expect(drive({ url: 'http://127.0.0.1:9/', propagation: ['b3', 'envoy'], deferSampling: true })).rejects.toThrow(/got b3, envoy/);
  });
});

describe('spec trigger.sampling', () => {
  const spec = (trigger: string) => `name: s\ntrigger: ${trigger}\nspans: { e: { service: edge } }\n`;

  test('defaults to sampled; deferred with B3 is accepted', () => {
    expect(parseSpec(spec('{ url: http://x/ }')).trigger?.sampling).toBe('sampled');
    expect(parseSpec(spec('{ url: http://x/, propagation: [b3], sampling: deferred }')).trigger?.sampling).toBe('deferred');
    expect(parseSpec(spec('{ propagation: [b3multi], sampling: deferred }')).trigger?.propagation).toEqual(['b3multi']);
  });

  test.each([
    ['{ sampling: deferred }', /trigger\.sampling: "deferred" cannot be sent with w3c/],
    ['{ propagation: [b3, jaeger], sampling: deferred }', /cannot be sent with jaeger.*allowed: propagation \[b3\] or \[b3multi\] only/],
    ['{ propagation: [], sampling: deferred }', /sends no trace context/],
    ['{ sampling: maybe }', /trigger\.sampling/],
  ])('trigger %s is refused with the path and what is allowed', (trigger, message) => {
    expect(() => parseSpec(spec(trigger))).toThrow(SpecError);
    expect(() => parseSpec(spec(trigger))).toThrow(message);
  });
});
