import { parseSpec } from '../../src/verify/spec';
import { checkAssertion, verifyTrace } from '../../src/verify/matcher';
import { compileAssertion } from '../../src/verify/spec';
import { verifyTraces } from '../../src/verify/verify-traces';
import { findSensitiveData, luhnValid } from '../../src/verify/sensitive-data';
import { wilsonInterval } from '../../src/verify/statistics';
import { bookinfo, TraceBuilder } from './helpers/trace-builder';

const failed = (v: ReturnType<typeof verifyTrace>) => v.assertions.filter((a) => !a.passed).map((a) => a.text);

describe('matcher', () => {
  const chain = () => {
    const b = new TraceBuilder();
    const edge = b.add('relay-edge', 'GET', 'server', 0, 50, undefined, { 'http.response.status_code': 200, 'url.path': '/api/x' });
    const edgeOut = b.add('relay-edge', 'GET', 'client', 1, 48, edge, { 'http.response.status_code': 200 });
    const a = b.add('relay-a', 'GET', 'server', 2, 45, edgeOut, { 'http.response.status_code': 200 });
    const aOut = b.add('relay-a', 'GET', 'client', 3, 40, a);
    const bb = b.add('relay-b', 'GET', 'server', 4, 38, aOut, { 'http.response.status_code': 200 });
    return { b, edge, edgeOut, a, aOut, bb };
  };

  test('direct child (>) needs the parent link; descendant (>>) follows the chain', () => {
    const { b } = chain();
    const spec = parseSpec(
      `name: t\nspans:\n  edge: { service: relay-edge, kind: server }\n  a: { service: relay-a, kind: server }\n  b: { service: relay-b, kind: server }\nedges: ['edge > a', 'edge >> b', 'a >> b']\n`,
    );
    const v = verifyTrace(spec, b.build());
    // relay-a's server span is a child of edge's CLIENT span, not of edge's server span
    expect(failed(v)).toEqual(['edge > a']);
    expect(v.assertions.find((x) => x.text === 'edge > a')!.detail).toBe('1 a span(s), none a direct child of the 1 edge span(s)');
    expect(v.assertions.find((x) => x.text === 'edge >> b')!.passed).toBe(true);
  });

  test('counts: exact, min/max, and what was found', () => {
    const { b } = chain();
    const spec = parseSpec(
      `name: t\nspans:\n  servers: { kind: server, count: 3 }\n  clients: { kind: client, count: { max: 1 } }\n  gone: { service: nope, count: { min: 0 } }\n`,
    );
    const v = verifyTrace(spec, b.build());
    expect(failed(v)).toEqual(['clients: at most 1 span(s) with kind client']);
    expect(v.assertions.find((a) => a.text.startsWith('clients'))!.detail).toBe('2 found');
  });

  test('attribute assertions report the offending span and value', () => {
    const { b } = chain();
    const spec = parseSpec(
      `name: t\nspans:\n  servers:\n    kind: server\n    count: 3\n    assert: ['http.response.status_code = 200', 'url.path ~ ^/api']\n`,
    );
    const v = verifyTrace(spec, b.build());
    const route = v.assertions.find((a) => a.text === 'servers: url.path ~ ^/api')!;
    expect(route.passed).toBe(false);
    expect(route.detail).toMatch(/^2 of 3 span\(s\) fail: relay-a "GET" \(\w+\): url.path is absent, expected to match/);
    expect(v.assertions.find((a) => a.text === 'servers: http.response.status_code = 200')!.passed).toBe(true);
  });

  test.each([
    ['code = 200', { code: '200' }, true],
    ['code != 200', { code: 500 }, true],
    ['code >= 500', { code: 503 }, true],
    ['code < 500', { code: 'x' }, false],
    ['name ~ ^GET', { name: 'GET /a' }, true],
    ['name !~ ^GET', { name: 'GET /a' }, false],
    ['k exists', {}, false],
    ['k !exists', {}, true],
    ['flag = true', { flag: true }, true],
    ['q = "a b"', { q: 'a b' }, true],
    // Structured values compare by their text form: kvlists as JSON, arrays comma-joined.
    ['m = \'{"k":"v","n":[1,2]}\'', { m: { k: 'v', n: [1, 2] } }, true],
    ['m ~ k.:.v', { m: { k: 'v' } }, true],
    ['m ~ object', { m: { k: 'v' } }, false],
    ['list = "a,b"', { list: ['a', 'b'] }, true],
  ])('assertion "%s" on %j holds: %s', (text, attributes, holds) => {
    const span = new TraceBuilder().add('s', 'n', 'server', 0, 1, undefined, attributes);
    expect(checkAssertion(compileAssertion(text, 't'), span) === undefined).toBe(holds);
  });

  test('per-span and end-to-end durations, errors expected or not, absent matchers', () => {
    const { b, bb } = chain();
    const errored = b.spans.map((s) => (s === bb ? { ...s, status: { code: 'error' as const, message: 'boom' } } : s));
    const spec = parseSpec(
      `name: t\nspans:\n  b: { service: relay-b, maxDuration: 10ms, expectErrors: true }\n  a: { service: relay-a, kind: server, expectErrors: false }\nabsent: [{ service: relay-c }, { service: relay-a, kind: client }]\nrules: { maxDuration: 20ms, noErrors: true }\n`,
    );
    const v = verifyTrace(spec, { traceId: b.traceId, spans: errored });
    expect(failed(v)).toEqual([
      'b: duration ≤ 10ms',
      'absent absent[1]: none span(s) with service relay-a, kind client',
      'end to end ≤ 20ms',
    ]);
    // the error on relay-b is expected there, so noErrors does not count it
    expect(v.assertions.find((a) => a.text.startsWith('noErrors'))!.passed).toBe(true);
    expect(v.assertions.find((a) => a.text === 'b: has an error span')!.detail).toBe('1 of 1 span(s) have status ERROR ("boom")');
  });

  test('noSensitiveData finds credentials, e-mails and Luhn-valid card numbers, never echoing them', () => {
    const b = new TraceBuilder();
    b.add('s', 'n', 'server', 0, 1, undefined, {
      'http.request.header.authorization':
        'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'user.email': 'ana@example.com',
      'payment.card': '4111 1111 1111 1111',
      'order.id': '4111111111111112',
      'url.full': 'https://bob:hunter2@api.example.com/x',
      'http.request.header.cookie': '[REDACTED]',
    });
    const found = findSensitiveData(b.spans);
    expect(found.map((f) => [f.key, f.what])).toEqual([
      ['http.request.header.authorization', 'credential'],
      ['user.email', 'email'],
      ['payment.card', 'card-number'],
      ['url.full', 'credential'],
    ]);
    expect(JSON.stringify(found)).not.toContain('hunter2');
    expect(JSON.stringify(found)).not.toContain('1111 1111 1111');
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    // an epoch-ms timestamp that happens to pass Luhn is not a card (no issuer range)
    expect(luhnValid('1763700000005')).toBe(true);
    expect(
      findSensitiveData([
        new TraceBuilder().add('s', 'n', 'server', 0, 1, undefined, {
          'x-request-start': '1763700000005',
          amex: '378282246310005',
          mc: '5555555555554444',
        }),
      ]).map((f) => f.key),
    ).toEqual(['amex', 'mc']);
  });

  test('bottleneck rule: the span with most self time on the slowest path, and its share', () => {
    const b = new TraceBuilder();
    const gw = b.add('gateway', 'GET /', 'server', 0, 2100);
    b.add('auth', 'check', 'client', 10, 100, gw);
    const order = b.add('order', 'POST /orders', 'server', 200, 1750, gw);
    const pay = b.add('payment', 'charge', 'server', 210, 1700, order);
    b.add('external', 'POST /pay', 'client', 250, 100, pay);
    const spec = (service: string, share: number) =>
      parseSpec(`name: t\nspans: { g: { service: gateway } }\nrules: { bottleneck: { service: ${service}, minShare: ${share} } }\n`);
    expect(verifyTrace(spec('payment', 0.7), b.build()).passed).toBe(true);
    const v = verifyTrace(spec('external', 0.1), b.build());
    expect(v.passed).toBe(false);
    expect(v.assertions.at(-1)!.detail).toMatch(/^bottleneck is payment "charge" \(\w+\): 1.6s self time, 76%$/);
  });

  test('clusters rule: k8s.cluster.name resource attribute across at least N clusters', () => {
    const b = new TraceBuilder();
    const r = b.add('edge', 'GET', 'server', 0, 10, undefined, {}, { resource: { 'service.name': 'edge', 'k8s.cluster.name': 'east' } });
    b.add('api', 'GET', 'server', 1, 8, r, {}, { resource: { 'service.name': 'api', 'k8s.cluster.name': 'west' } });
    const spec = (n: number) => parseSpec(`name: t\nspans: { e: { service: edge } }\nrules: { clusters: { min: ${n} } }\n`);
    expect(verifyTrace(spec(2), b.build()).passed).toBe(true);
    const v = verifyTrace(spec(3), b.build());
    expect(v.assertions.at(-1)).toMatchObject({ passed: false, detail: '2: east, west' });
  });

  test('match: any passes when one of N traces matches; every needs all', () => {
    const good = bookinfo(new TraceBuilder('1'.repeat(32))).builder.build();
    const bad = bookinfo(new TraceBuilder('2'.repeat(32)), { ratings: false }).builder.build();
    const text = (mode: string) =>
      `name: t\nmatch: ${mode}\nspans:\n  pp: { service: /^productpage/, kind: server }\n  ratings: { service: /^ratings/ }\n`;
    expect(verifyTraces(parseSpec(text('any')), [good, bad]).passed).toBe(true);
    expect(verifyTraces(parseSpec(text('every')), [good, bad]).passed).toBe(false);
  });

  test('sampling rule: 10 of 100 traced is consistent with 10% and not with 50% (Wilson interval)', () => {
    const traces = Array.from({ length: 10 }, (_, i) => bookinfo(new TraceBuilder(i.toString(16).padStart(32, 'a'))).builder.build());
    const ids = [...traces.map((t) => t.traceId), ...Array.from({ length: 90 }, (_, i) => i.toString(16).padStart(32, 'f'))];
    const spec = (rate: number) =>
      parseSpec(`name: t\nspans: { pp: { service: /^productpage/ } }\nrules: { sampling: { rate: ${rate}, confidence: 0.99 } }\n`);
    const ok = verifyTraces(spec(0.1), traces, { traceIds: ids });
    expect(ok.passed).toBe(true);
    expect(ok.assertions.find((a) => a.text.startsWith('sampling'))!.detail).toMatch(
      /^10 of 100 requests traced \(10.0%\); plausible rates 4\.\d%\.\.2\d\.\d%$/,
    );
    expect(ok.diagnoses).toEqual([]);
    expect(verifyTraces(spec(0.5), traces, { traceIds: ids }).passed).toBe(false);
    const ci = wilsonInterval(10, 100, 0.95);
    expect(ci.low).toBeCloseTo(0.0552, 3);
    expect(ci.high).toBeCloseTo(0.1744, 3);
  });
});
