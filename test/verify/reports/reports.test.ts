import { parseSpec } from '../../../src/verify/spec';
import { verifyTraces } from '../../../src/verify/verify-traces';
import { renderTerminal, renderTree } from '../../../src/verify/reports/terminal';
import { renderJunit, xmlEscape } from '../../../src/verify/reports/junit';
import { renderJson } from '../../../src/verify/reports/json';
import { jaegerTraceUrl } from '../../../src/verify/reports/jaeger-link';
import { TraceBuilder } from '../helpers/trace-builder';

/** Seed 001's "which service is slow?" trace. */
function slowCheckout() {
  const b = new TraceBuilder('abc1230000000000000000000000abcd');
  const gw = b.add('api-gateway', 'GET /checkout', 'server', 0, 2100);
  b.add('auth-service', 'check', 'server', 10, 100, gw);
  b.add('user-service', 'GET /users/123', 'server', 120, 200, gw);
  const order = b.add('order-service', 'POST /orders', 'server', 340, 1750, gw);
  const pay = b.add('payment-service', 'charge', 'server', 345, 1700, order);
  b.add('payment-service', 'POST external-api/pay', 'client', 350, 1600, pay, {}, { status: { code: 'error', message: 'timeout' } });
  return b.build();
}

describe('reports', () => {
  test('terminal tree: durations, error marks, the critical path and the bottleneck', () => {
    const lines = renderTree(slowCheckout());
    expect(lines).toEqual([
      'Trace abc1230000000000000000000000abcd (2.1s total) · 6 spans · 5 services',
      '└── api-gateway  GET /checkout (2.1s) server ◆ slow path',
      // auth and user ran one after the other before order: they are on the critical path too (Jaeger's definition)
      '    ├── auth-service  check (100ms) server ◆ slow path',
      '    ├── user-service  GET /users/123 (200ms) server ◆ slow path',
      '    └── order-service  POST /orders (1.75s) server ◆ slow path',
      '        └── payment-service  charge (1.7s) server ◆ slow path',
      '            └── payment-service  POST external-api/pay (1.6s) client ✗ ERROR "timeout" ◀ BOTTLENECK 1.6s self (76%)',
    ]);
  });

  test('terminal tree stays bounded on wide traces', () => {
    const b = new TraceBuilder();
    const root = b.add('a', 'root', 'server', 0, 1000);
    for (let i = 0; i < 500; i++) b.add('b', `op${i}`, 'client', i, 1, root);
    const lines = renderTree(b.build(), { maxChildren: 5 });
    expect(lines).toHaveLength(1 + 1 + 5 + 1 + 1);
    expect(lines.at(-2)).toContain('… 495 more');
    expect(lines.at(-1)).toBe('… 495 more span(s) not shown');
  });

  const spec = parseSpec(
    'name: checkout\nspans:\n  gw: { service: api-gateway }\n  pay: { service: payment-service, kind: server, maxDuration: 1s }\nrules: { noErrors: true }\n',
  );

  test('terminal report is one line per trace on success and details on failure, with a Jaeger link', () => {
    const t = slowCheckout();
    const ok = verifyTraces(parseSpec('name: ok\nspans: { gw: { service: api-gateway } }\n'), [t]);
    const quiet = renderTerminal(ok, [t], { jaegerUiUrl: 'http://127.0.0.1:16686/jaeger/' });
    expect(quiet.trim().split('\n')).toHaveLength(2);
    expect(quiet).toContain('· http://127.0.0.1:16686/jaeger/trace/abc1230000000000000000000000abcd');
    const bad = renderTerminal(verifyTraces(spec, [t]), [t]);
    expect(bad).toContain('✗ checkout: FAIL');
    expect(bad).toContain('✗ pay: duration ≤ 1s\n      payment-service "charge" (');
    expect(bad).toContain('✗ noErrors: no span has status ERROR\n      1 error span(s): payment-service "POST external-api/pay"');
    expect(bad).toContain('◀ BOTTLENECK');
  });

  test('colour only when asked', () => {
    const t = slowCheckout();
    expect(renderTerminal(verifyTraces(spec, [t]), [t])).not.toContain('\u001b[');
    expect(renderTerminal(verifyTraces(spec, [t]), [t], { color: true })).toContain('\u001b[31m');
  });

  test('JUnit: suites per trace, one testcase per assertion, failures with the detail, XML-escaped', () => {
    const t = slowCheckout();
    const xml = renderJunit(verifyTraces(spec, [t]), 1234);
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="meshtrace verify checkout" tests="7" failures="2" errors="0" time="1.234">',
      ),
    ).toBe(true);
    expect(xml).toContain('<testsuite name="checkout trace abc1230000000000000000000000abcd" tests="5" failures="2"');
    expect(xml).toContain('<failure message="payment-service &quot;charge&quot;');
    expect(xml.match(/<testcase /g)).toHaveLength(7);
    expect(xmlEscape('a<b>&"\'\u0001')).toBe('a&lt;b&gt;&amp;&quot;&apos;');
  });

  test('JSON: one parseable document with the verdict, assertions, diagnoses and links', () => {
    const t = slowCheckout();
    const doc = JSON.parse(renderJson(verifyTraces(spec, [t]), { jaegerUiUrl: 'http://j:16686', polls: 2, elapsedMs: 10 }));
    expect(doc).toMatchObject({ spec: 'checkout', passed: false, polls: 2, diagnoses: [] });
    expect(doc.traces[0].url).toBe('http://j:16686/trace/abc1230000000000000000000000abcd');
    expect(doc.traces[0].assertions.filter((a: { passed: boolean }) => !a.passed)).toHaveLength(2);
    expect(jaegerTraceUrl('http://j/jaeger///', 'x')).toBe('http://j/jaeger/trace/x');
  });
});

describe('critical path and bottleneck (shared with the HTML report)', () => {
  test('parallel calls are off the path; the bottleneck is the span with the most self time on it', async () => {
    const { criticalPath, findBottleneck, indexTrace } = await import('../../../src/verify/trace-index');
    const b = new TraceBuilder();
    const root = b.add('frontend', 'GET /dispatch', 'server', 0, 760);
    const c1 = b.add('frontend', 'HTTP GET', 'client', 3, 305, root);
    b.add('mysql', 'SQL SELECT', 'client', 5, 300, c1);
    const fast = b.add('frontend', 'HTTP GET', 'client', 320, 40, root); // parallel with slow: off the path
    const slow = b.add('frontend', 'HTTP GET', 'client', 320, 400, root);
    const index = indexTrace(b.build());
    const ids = criticalPath(index).map((s) => s.spanId);
    expect(ids).toContain(slow.spanId);
    expect(ids).not.toContain(fast.spanId);
    const bn = findBottleneck(index)!;
    expect([bn.span.spanId, Math.round(bn.selfUs / 1000), Math.round(bn.share * 100)]).toEqual([slow.spanId, 400, 53]);
  });
});

describe('tree grouping', () => {
  test('runs of identical leaf calls print as one line with count, duration range and errors', () => {
    const b = new TraceBuilder();
    const driver = b.add('driver', 'FindNearest', 'server', 0, 200);
    b.add('redis-manual', 'FindDriverIDs', 'client', 1, 20, driver);
    for (let i = 0; i < 13; i++)
      b.add(
        'redis-manual',
        'GetDriver',
        'client',
        22 + i * 13,
        10 + (i % 3),
        driver,
        {},
        i % 5 === 4 ? { status: { code: 'error', message: 'redis timeout' } } : {},
      );
    const lines = renderTree(b.build());
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('    └── redis-manual  GetDriver ×13 (10ms–12ms each) client ✗ 2 ERROR "redis timeout" ◆ slow path');
  });
});
