import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drive, returnedContext, triggerPath } from '../../src/verify/driver';

describe('driver', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (req.url === '/hang') return; // never answers
      setTimeout(() => {
        inFlight--;
        if (req.url === '/own-id') res.setHeader('traceresponse', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');
        res.end('ok');
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen.length = 0;
    maxInFlight = 0;
    inFlight = 0;
  });

  test('mints a fresh sampled W3C context per request and returns the ids to look up', async () => {
    const out = await drive({ url: `${url}/x`, requests: 4, concurrency: 2 });
    expect(out.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const parents = seen.map((h) => String(h.traceparent));
    // Flags 01, never 03: OpenTelemetry Go (Traefik 3.6, HotROD) rejects a version-00 traceparent with flags above 02.
    for (const tp of parents) expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(new Set(out.traceIds).size).toBe(4);
    expect(parents.map((tp) => tp.split('-')[1]).sort()).toEqual([...out.traceIds].sort());
    expect(maxInFlight).toBe(2);
    expect(out.report).toEqual({ sampled: true, formats: ['w3c'], requests: 4 });
  });

  test('B3 single, B3 multi, Jaeger and Envoy x-client-trace-id carry the same trace id when asked', async () => {
    const out = await drive({ url, propagation: ['w3c', 'b3', 'b3multi', 'jaeger', 'envoy'], headers: { 'x-team': 'qa' } });
    const h = seen[0]!;
    const id = out.traceIds[0]!;
    expect(String(h.traceparent).split('-')[1]).toBe(id);
    expect(String(h.b3)).toMatch(new RegExp(`^${id}-[0-9a-f]{16}-1$`));
    expect(h['x-b3-traceid']).toBe(id);
    expect(h['x-b3-sampled']).toBe('1');
    expect(String(h['uber-trace-id'])).toMatch(new RegExp(`^${id}:[0-9a-f]{16}:0:1$`));
    expect(h['x-client-trace-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h['x-team']).toBe('qa');
  });

  test('prefers the id the application returns (traceresponse) and records its sampled flag', async () => {
    const out = await drive({ url: `${url}/own-id` });
    expect(out.traceIds).toEqual(['0af7651916cd43dd8448eb211c80319c']);
    expect(out.report.returnedSampled).toEqual([false]);
  });

  test('a request that never answers ends at the timeout as a recorded error, not a hang', async () => {
    const started = Date.now();
    const out = await drive({ url: `${url}/hang`, timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(out.requests[0]!.status).toBeUndefined();
    expect(out.requests[0]!.error).toMatch(/abort|timeout/i);
  });

  test('server-timing traceparent entries are read too; junk is ignored', () => {
    expect(
      returnedContext({ 'server-timing': 'db;dur=53, traceparent;desc="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"' }),
    ).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', sampled: true });
    expect(returnedContext({ 'server-timing': 'db;dur=53' })).toBeUndefined();
    expect(returnedContext({ traceresponse: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toBeUndefined();
    // the request-header rules hold on the response too: version ff and upper-case hex are invalid
    expect(returnedContext({ traceresponse: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBeUndefined();
    expect(returnedContext({ 'server-timing': 'trace;desc=00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01' })).toBeUndefined();
  });
});

test('triggerPath: the spec URL path wins, a missing or broken one falls back', () => {
  expect(triggerPath('http://bookinfo.localhost:8081/productpage?u=normal', '/')).toBe('/productpage?u=normal');
  expect(triggerPath(undefined, '/productpage')).toBe('/productpage');
  expect(triggerPath('not a url', '/x')).toBe('/x');
});
