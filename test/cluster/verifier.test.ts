import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blamedServices, libraryVerifier, mergeHeaders } from '../../src/cluster/verifier';

const SPEC = `name: shop
trigger:
  url: http://shop.localhost/checkout?cart=7
  headers: { host: spec.localhost, x-scenario: smoke }
poll:
  interval: 50ms
  timeout: 2s
spans:
  entry:
    service: frontend
    kind: server
  backend:
    service: backend
edges:
  - entry > backend
`;

let root: string;
let servers: Server[];
let seenByApp: { url: string; headers: IncomingHttpHeaders }[];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** An entry point that records the request and a Jaeger v3 query API that knows the trace it caused. */
async function appAndJaeger(withBackend: boolean): Promise<{ app: string; jaeger: string }> {
  const app = await listen(
    createServer((req, res) => {
      seenByApp.push({ url: req.url ?? '', headers: req.headers });
      res.end('ok');
    }),
  );
  const jaeger = await listen(
    createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/api/v3/services') {
        res.end(JSON.stringify({ services: ['frontend', 'backend'] }));
        return;
      }
      const m = url.pathname.match(/^\/api\/v3\/traces\/([0-9a-f]{32})$/);
      const traceId = seenByApp[0]?.headers.traceparent?.toString().split('-')[1];
      if (!m || m[1] !== traceId) {
        res.writeHead(404);
        res.end('{}');
        return;
      }
      const now = BigInt(Date.now()) * 1_000_000n;
      const span = (service: string, spanId: string, parent: string | undefined, kind: number) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId,
                ...(parent ? { parentSpanId: parent } : {}),
                name: 'GET /checkout',
                kind,
                startTimeUnixNano: String(now),
                endTimeUnixNano: String(now + 1_000_000n),
                attributes: [],
                status: {},
              },
            ],
          },
        ],
      });
      const resourceSpans = [span('frontend', '00f067aa0ba902b7', seenByApp[0]?.headers.traceparent?.toString().split('-')[2], 2)];
      if (withBackend) resourceSpans.push(span('backend', '00f067aa0ba902b8', '00f067aa0ba902b7', 2));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ result: { resourceSpans } }));
    }),
  );
  return { app, jaeger };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'verifier-'));
  writeFileSync(join(root, 'shop.yaml'), SPEC);
  servers = [];
  seenByApp = [];
});
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(root, { recursive: true, force: true });
});

describe('libraryVerifier (verify library behind the smoke seam)', () => {
  test('drives the spec path through the forward with the lane headers, and finds the trace in Jaeger', async () => {
    // GIVEN an entry point and a Jaeger that has the whole trace
    const { app, jaeger } = await appAndJaeger(true);
    // WHEN the smoke verifier runs the spec through the "forward" of the entry point
    const outcome = await libraryVerifier(root)({
      name: 'shop',
      spec: 'shop.yaml',
      triggerUrl: `${app}/`,
      headers: { Host: 'shop.localhost' },
      jaegerUrl: jaeger,
      timeoutMs: 2000,
    });
    // THEN the request used the spec's path, the route's Host and a sampled W3C context
    expect(seenByApp).toHaveLength(1);
    expect(seenByApp[0].url).toBe('/checkout?cart=7');
    // one Host header (the lane's wins over the spec's `host`), the spec's other headers kept
    expect(seenByApp[0].headers.host).toBe('shop.localhost');
    expect(seenByApp[0].headers['x-scenario']).toBe('smoke');
    expect(seenByApp[0].headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]$/); // sampled bit set (03 = sampled + random)
    // AND the trace matched
    expect(outcome).toMatchObject({ name: 'shop', spec: 'shop.yaml', passed: true, failingServices: [] });
    expect(outcome.traceIds).toEqual([seenByApp[0].headers.traceparent?.toString().split('-')[1]]);
    expect(outcome.message).toMatch(/^matched 1 trace\(s\), 2 span\(s\) after \d+ poll\(s\)$/);
  });

  test('a trace missing a hop fails with the report as diagnosis', async () => {
    const { app, jaeger } = await appAndJaeger(false);
    const outcome = await libraryVerifier(root)({
      name: 'shop',
      spec: 'shop.yaml',
      triggerUrl: `${app}/`,
      headers: {},
      jaegerUrl: jaeger,
      timeoutMs: 1000,
    });
    expect(outcome.passed).toBe(false);
    expect(outcome.message).toMatch(/^did not match after \d+ poll\(s\)/);
    expect(outcome.diagnosis).toContain('backend');
  });

  test('an entry point that does not answer is an error, not a failed spec', async () => {
    const { jaeger } = await appAndJaeger(true);
    await expect(
      libraryVerifier(root)({
        name: 'shop',
        spec: 'shop.yaml',
        triggerUrl: 'http://127.0.0.1:1/',
        headers: {},
        jaegerUrl: jaeger,
        timeoutMs: 1000,
      }),
    ).rejects.toThrow(
      /^shop: every request to http:\/\/127\.0\.0\.1:1\/checkout\?cart=7 failed \(.+\); the entry point behind the port-forward is not serving$/,
    );
  });
});

test('blamedServices takes both ends of each broken hop once', () => {
  const d = (from: string, to?: string) => ({ kind: 'split-trace' as const, title: '', evidence: [], hint: '', hop: { from, to } });
  expect(
    blamedServices([
      d('productpage.bookinfo', 'reviews.bookinfo'),
      d('reviews.bookinfo'),
      { kind: 'no-trace', title: '', evidence: [], hint: '' },
    ]),
  ).toEqual(['productpage.bookinfo', 'reviews.bookinfo']);
});

test('mergeHeaders: the lane wins, names case-insensitive', () => {
  expect(mergeHeaders({ host: 'a', 'X-Id': '1' }, { Host: 'b' })).toEqual({ host: 'b', 'x-id': '1' });
  expect(mergeHeaders(undefined, {})).toEqual({});
});
