/**
 * noSensitiveData on built traces: every place a span carries data (attributes, events, status
 * message, resource) is scanned; positives are found without echoing the secret, and ordinary
 * tracing data (ids, timestamps, redacted placeholders, URLs without userinfo) passes.
 */
import { parseSpec } from '../../src/verify/spec';
import { verifyTrace } from '../../src/verify/matcher';
import { findSensitiveData } from '../../src/verify/sensitive-data';
import { bookinfo, TraceBuilder } from './helpers/trace-builder';

const spec = parseSpec(
  'name: privacy\nspans: { any: { name: "/.*/" } }\nrules: { noSensitiveData: true, noOrphans: false, singleTrace: false }\n',
);

describe('noSensitiveData', () => {
  test('a clean Bookinfo trace passes (ids, status codes, URLs, user agents are not secrets)', () => {
    const t = bookinfo().builder.build();
    expect(findSensitiveData(t.spans)).toEqual([]);
    expect(verifyTrace(spec, t).assertions.find((a) => a.text.startsWith('noSensitiveData'))!.passed).toBe(true);
  });

  test('credentials in span attributes, events, status messages and the resource are all found, masked', () => {
    const b = new TraceBuilder();
    const root = b.add(
      'frontend',
      'GET /cart',
      'server',
      0,
      10,
      undefined,
      { 'http.request.header.cookie': 'session=9f8e7d6c5b4a39281706' },
      {
        resource: { 'service.name': 'frontend', 'deployment.owner': 'platform-team@example.com' },
      },
    );
    b.add(
      'payments',
      'charge',
      'client',
      1,
      5,
      root,
      { 'payment.amount': 12 },
      {
        events: [{ name: 'exception', timeUs: 1, attributes: { 'exception.message': 'declined card 5555 5555 5555 4444' } }],
        status: { code: 'error', message: 'upstream said: Authorization: Bearer sk_live_51H8abcdefghijklmnop' },
      },
    );
    b.add('auth', 'lookup', 'client', 2, 1, root, { 'db.statement': 'SELECT * FROM users WHERE api_key = ?', apiKey: 'k-7f3a9c2e1b' });
    const found = findSensitiveData(b.spans);
    expect(found.map((f) => [f.service, f.key, f.what])).toEqual([
      ['frontend', 'http.request.header.cookie', 'credential'],
      ['payments', 'exception.exception.message', 'card-number'],
      ['payments', 'status.message', 'credential'],
      ['auth', 'apiKey', 'credential'],
      ['frontend', 'resource.deployment.owner', 'email'],
    ]);
    const text = JSON.stringify(found);
    for (const secret of [
      '9f8e7d6c5b4a39281706',
      'sk_live_51H8abcdefghijklmnop',
      '5555 5555 5555 4444',
      'k-7f3a9c2e1b',
      'platform-team@example.com',
    ])
      expect(text).not.toContain(secret);
    // THEN the rule fails and names where, never what
    const rule = verifyTrace(spec, b.build()).assertions.find((a) => a.text.startsWith('noSensitiveData'))!;
    expect(rule.passed).toBe(false);
    expect(rule.detail).toContain('frontend http.request.header.cookie: credential');
    expect(rule.spanIds).toHaveLength(3);
  });

  test('a resource shared by many spans is reported once', () => {
    const b = new TraceBuilder();
    const resource = { 'service.name': 'api', 'contact.email': 'oncall@example.com' };
    const r = b.add('api', 'a', 'server', 0, 5, undefined, {}, { resource });
    for (let i = 0; i < 5; i++) b.add('api', `b${i}`, 'internal', 1, 1, r, {}, { resource: { ...resource } });
    expect(findSensitiveData(b.spans).map((f) => f.key)).toEqual(['resource.contact.email']);
  });

  test('redacted placeholders, numeric ids and epoch timestamps are not findings', () => {
    const b = new TraceBuilder();
    b.add('edge', 'GET /', 'server', 0, 1, undefined, {
      'http.request.header.authorization': 'REDACTED',
      'http.request.header.cookie': '***',
      'url.full': 'https://api.example.com/orders/4111?token=REDACTED',
      'order.id': '1763700000005',
      'request.id': '7d1c6f5e-2b0a-4c1d-9e8f-0a1b2c3d4e5f',
    });
    expect(findSensitiveData(b.spans)).toEqual([]);
  });
});
