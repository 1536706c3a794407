/**
 * The Zipkin API v2 source: the conversion of Zipkin's span model (pure), and the HTTP client against
 * a loopback server answering as Zipkin does (and as it must not: malformed, oversized, silent). The
 * real Zipkin server is met in test/real/zipkin.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tracesFromZipkinSearch, tracesFromZipkinTrace, ZipkinFormatError } from '../../../src/verify/sources/zipkin-json';
import { connectZipkin, ZipkinSource } from '../../../src/verify/sources/zipkin';
import { zipkinSource } from '../../../src/verify/sources/trace-source';
import { BackendUnreachableError } from '../../../src/verify/sources/http-get';
import { pollAndVerify } from '../../../src/verify/poller';
import { parseSpec } from '../../../src/verify/spec';
import { tracesFromText, TraceFileError } from '../../../src/verify/sources/trace-file';
import { closedPort } from '../helpers/fake-jaeger';

const T128 = '4bf92f3577b34da6a3ce929d0e0e4736';
const span = (over: Record<string, unknown>) => ({ traceId: T128, timestamp: 1_700_000_000_000_000, duration: 1000, ...over });

describe('Zipkin API v2 JSON → the trace model', () => {
  test('kind, service, tags, annotations, ids, parents and the error tag are carried over', () => {
    const [trace, ...rest] = tracesFromZipkinTrace([
      span({
        id: '00f067aa0ba902b7',
        name: 'get /',
        kind: 'SERVER',
        localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1' },
        tags: { 'http.status_code': '200' },
        annotations: [{ timestamp: 1_700_000_000_000_900, value: 'ss' }],
      }),
      span({
        id: '00000000000000a1',
        parentId: '00f067aa0ba902b7',
        name: 'select',
        localEndpoint: { serviceName: 'frontend' },
        tags: { error: 'connection reset', 'otel.scope.name': 'pg', 'otel.scope.version': '1.2' },
      }),
      span({
        id: '00000000000000a2',
        parentId: '00f067aa0ba902b7',
        name: 'publish',
        kind: 'PRODUCER',
        localEndpoint: { serviceName: 'frontend' },
        tags: { error: '' },
      }),
      span({
        id: '00000000000000a3',
        parentId: '00f067aa0ba902b7',
        name: 'otel',
        kind: 'CONSUMER',
        tags: { 'otel.status_code': 'ERROR', 'otel.status_description': 'boom' },
      }),
    ]);
    expect(rest).toEqual([]);
    expect(trace!.traceId).toBe(T128);
    const [root, select, publish, otel] = trace!.spans;
    expect(root).toMatchObject({
      spanId: '00f067aa0ba902b7',
      service: 'frontend',
      name: 'get /',
      kind: 'server',
      startUs: 1_700_000_000_000_000,
      durationUs: 1000,
      attributes: { 'http.status_code': '200' },
      resource: { 'service.name': 'frontend' },
      status: { code: 'unset' },
    });
    expect(root!.parentSpanId).toBeUndefined();
    expect(root!.events).toEqual([{ name: 'ss', timeUs: 1_700_000_000_000_900, attributes: {} }]);
    // No kind: Zipkin's "local or incomplete" span.
    expect(select).toMatchObject({
      parentSpanId: '00f067aa0ba902b7',
      kind: 'unspecified',
      status: { code: 'error', message: 'connection reset' },
      scope: { name: 'pg', version: '1.2' },
    });
    // An empty error tag still marks the failure.
    expect(publish).toMatchObject({ kind: 'producer', status: { code: 'error' } });
    expect(publish!.status.message).toBeUndefined();
    expect(otel).toMatchObject({ kind: 'consumer', service: 'unknown_service', status: { code: 'error', message: 'boom' } });
  });

  test('a 64-bit trace id (16 hex) becomes 32 hex, and a search answer groups its lists by trace', () => {
    const traces = tracesFromZipkinSearch([
      [span({ traceId: '463ac35c9f6413ad', id: '463ac35c9f6413ad', name: 'a', localEndpoint: { serviceName: 's' } })],
      [span({ id: '0000000000000001', name: 'b', localEndpoint: { serviceName: 's' } })],
    ]);
    expect(traces.map((t) => t.traceId)).toEqual(['0000000000000000463ac35c9f6413ad', T128]);
  });

  test('B3 shared spans: the server half keeps the id and becomes the child of the client half', () => {
    // Envoy with shared_span_context (and Brave): the callee's SERVER half carries the caller's CLIENT span id.
    const [trace] = tracesFromZipkinTrace([
      span({ id: '1111111111111111', name: 'get', kind: 'SERVER', localEndpoint: { serviceName: 'gateway' } }),
      span({
        id: '2222222222222222',
        parentId: '1111111111111111',
        name: 'get /reviews',
        kind: 'CLIENT',
        localEndpoint: { serviceName: 'gateway' },
      }),
      span({
        id: '2222222222222222',
        parentId: '1111111111111111',
        name: 'get /reviews',
        kind: 'SERVER',
        shared: true,
        localEndpoint: { serviceName: 'reviews' },
      }),
      span({
        id: '3333333333333333',
        parentId: '2222222222222222',
        name: 'get /ratings',
        kind: 'CLIENT',
        localEndpoint: { serviceName: 'reviews' },
      }),
    ]);
    const ids = trace!.spans.map((s) => s.spanId);
    expect(new Set(ids).size).toBe(4);
    const client = trace!.spans.find((s) => s.service === 'gateway' && s.kind === 'client')!;
    const server = trace!.spans.find((s) => s.service === 'reviews' && s.kind === 'server')!;
    const ratings = trace!.spans.find((s) => s.name === 'get /ratings')!;
    expect(server.spanId).toBe('2222222222222222');
    expect(client.spanId).not.toBe('2222222222222222');
    expect(client.parentSpanId).toBe('1111111111111111');
    expect(server.parentSpanId).toBe(client.spanId);
    expect(ratings.parentSpanId).toBe(server.spanId);
  });

  test('a span reported in parts is one span: earliest start, latest end, tags and annotations joined', () => {
    const [trace] = tracesFromZipkinTrace([
      {
        traceId: T128,
        id: '0000000000000001',
        name: 'get',
        kind: 'CLIENT',
        timestamp: 100,
        duration: 10,
        localEndpoint: { serviceName: 's' },
        tags: { a: '1' },
        annotations: [{ timestamp: 100, value: 'cs' }],
      },
      {
        traceId: T128,
        id: '0000000000000001',
        timestamp: 105,
        duration: 20,
        localEndpoint: { serviceName: 's' },
        tags: { b: '2' },
        annotations: [
          { timestamp: 125, value: 'cr' },
          { timestamp: 100, value: 'cs' },
        ],
      },
    ]);
    expect(trace!.spans).toHaveLength(1);
    expect(trace!.spans[0]).toMatchObject({ name: 'get', kind: 'client', startUs: 100, durationUs: 25, attributes: { a: '1', b: '2' } });
    expect(trace!.spans[0]!.events.map((e) => e.name)).toEqual(['cs', 'cr']);
  });

  test.each([
    [{ notAList: true }, /Zipkin trace: not a Zipkin API v2 answer: \(root\): \{"notAList":true\} is a mapping; allowed: a list/],
    [[span({ id: 'xyz', localEndpoint: { serviceName: 's' } })], /\[0\]\.id: "xyz" is not a Zipkin span id; allowed: 16 hex characters/],
    [
      [span({ traceId: '4bf92f3577b34da6a3ce929d0e0e47', id: '0000000000000001' })],
      /\[0\]\.traceId: "4bf92f3577b34da6a3ce929d0e0e47" is not a Zipkin trace id; allowed: 16 or 32 hex characters/,
    ],
    [
      [span({ id: '0000000000000001', kind: 'SERVERR' })],
      /\[0\]\.kind: "SERVERR" is not allowed; allowed: "CLIENT", "SERVER", "PRODUCER", "CONSUMER"/,
    ],
    [
      [span({ id: '0000000000000001', tags: { 'http.status_code': 200 } })],
      /\[0\]\.tags\.http\.status_code: 200 is a number; allowed: a string/,
    ],
    [[span({ id: '0000000000000001', timestamp: -5 })], /\[0\]\.timestamp: -5 is too small; allowed: at least 0/],
  ])('an answer that is off is refused naming the field and the value (%#)', (doc, message) => {
    expect(() => tracesFromZipkinTrace(doc)).toThrow(ZipkinFormatError);
    expect(() => tracesFromZipkinTrace(doc)).toThrow(message);
  });

  test('one id repeated 200 000 times (a hostile answer) is merged without exhausting the call stack', () => {
    const doc = Array.from({ length: 200_000 }, (_, i) =>
      span({ id: '0000000000000001', timestamp: 1000 + i, duration: 1, localEndpoint: { serviceName: 's' } }),
    );
    const [trace] = tracesFromZipkinTrace(doc);
    expect(trace!.spans).toHaveLength(1);
    expect(trace!.spans[0]).toMatchObject({ startUs: 1000, durationUs: 200_000 });
  });

  test('a saved Zipkin trace or search answer is a trace file; a broken one names the file and the field', () => {
    const one = JSON.stringify([span({ id: '0000000000000001', name: 'get', kind: 'SERVER', localEndpoint: { serviceName: 's' } })]);
    expect(tracesFromText(one, 'zipkin.json').map((t) => [t.traceId, t.spans[0]!.kind])).toEqual([[T128, 'server']]);
    expect(tracesFromText(`[${one}]`, 'search.json').map((t) => t.traceId)).toEqual([T128]);
    const bad = JSON.stringify([span({ id: '0000000000000001', kind: 'server' })]);
    expect(() => tracesFromText(bad, 'bad.json')).toThrow(TraceFileError);
    expect(() => tracesFromText(bad, 'bad.json')).toThrow(/^bad\.json: not a Zipkin API v2 answer: \[0\]\.kind: "server" is not allowed/);
  });

  test('many bad spans: five problems named, then how many more', () => {
    const doc = Array.from({ length: 9 }, (_, i) => span({ id: `bad${i}` }));
    expect(() => tracesFromZipkinTrace(doc)).toThrow(/\[4\]\.id: "bad4" is not a Zipkin span id; allowed: 16 hex characters; … 4 more$/);
  });
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('the Zipkin client against a loopback server', () => {
  let server: Server | undefined;
  const seen: string[] = [];
  async function serve(handler: Handler): Promise<string> {
    seen.length = 0;
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      handler(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = undefined;
  });
  const json = (res: ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  test('lookup by id: found, 404 while not there, a 64-bit id asked for as Zipkin stores it (16 hex)', async () => {
    const url = await serve((req, res) => {
      if (req.url === `/zipkin/api/v2/trace/${T128}`)
        return json(res, [span({ id: '0000000000000001', name: 'x', localEndpoint: { serviceName: 's' } })]);
      if (req.url === '/zipkin/api/v2/trace/463ac35c9f6413ad')
        return json(res, [span({ traceId: '463ac35c9f6413ad', id: '0000000000000001', localEndpoint: { serviceName: 's' } })]);
      res.writeHead(404, { 'content-type': 'text/*' }).end(`${req.url} not found`);
    });
    const zipkin = new ZipkinSource({ baseUrl: `${url}/zipkin/` });
    expect((await zipkin.getTrace(T128))!.spans.map((s) => s.name)).toEqual(['x']);
    expect((await zipkin.getTrace('0000000000000000463ac35c9f6413ad'))!.traceId).toBe('0000000000000000463ac35c9f6413ad');
    expect(await zipkin.getTrace('0af7651916cd43dd8448eb211c80319c')).toBeUndefined();
  });

  test('search sends serviceName, spanName, endTs and lookback in ms, and limit', async () => {
    const url = await serve((_req, res) =>
      json(res, [[span({ id: '0000000000000001', localEndpoint: { serviceName: 'reviews.bookinfo' } })]]),
    );
    const found = await new ZipkinSource({ baseUrl: url }).findTraces({
      service: 'reviews.bookinfo',
      operation: 'get /',
      startUs: 1_700_000_000_000_000,
      endUs: 1_700_000_060_000_000,
      limit: 7,
    });
    expect(found.map((t) => t.traceId)).toEqual([T128]);
    const q = new URL(seen[0]!, url);
    expect(q.pathname).toBe('/api/v2/traces');
    expect(Object.fromEntries(q.searchParams)).toEqual({
      serviceName: 'reviews.bookinfo',
      spanName: 'get /',
      endTs: '1700000060000',
      lookback: '60000',
      limit: '7',
    });
  });

  test('an answer past the size cap is refused without reading it all, declared or streamed', async () => {
    const big = JSON.stringify([span({ id: '0000000000000001', tags: { blob: 'x'.repeat(200_000) } })]);
    const url = await serve((req, res) => {
      if (req.url!.includes('declared')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) }).end(big);
        return;
      }
      // Chunked: no length up front.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(big.slice(0, 100_000));
      res.end(big.slice(100_000));
    });
    const zipkin = new ZipkinSource({ baseUrl: url, maxResponseBytes: 64 * 1024 });
    await expect(zipkin.getTrace('declared'.padEnd(32, '0'))).rejects.toThrow(BackendUnreachableError);
    await expect(new ZipkinSource({ baseUrl: `${url}/declared`, maxResponseBytes: 64 * 1024 }).getTrace(T128)).rejects.toThrow(
      /declares \d+ bytes \(Content-Length\), more than the limit of 64 KiB/,
    );
    await expect(zipkin.getTrace(T128)).rejects.toThrow(/the answer is larger than the limit of 64 KiB/);
  });

  test('a server that never answers is a timeout naming the URL, not a hang', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    await expect(new ZipkinSource({ baseUrl: url, timeoutMs: 300 }).getTrace(T128)).rejects.toThrow(
      new RegExp(`cannot reach ${url}/api/v2/trace/${T128}: no answer within 300 ms`),
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a body that trickles forever (a byte every 50 ms, never idle long) ends at the request timeout', async () => {
    const timers: NodeJS.Timeout[] = [];
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      timers.push(setInterval(() => res.write(' '), 50));
    });
    const started = Date.now();
    try {
      const lookup = new ZipkinSource({ baseUrl: url, timeoutMs: 500 }).getTrace(T128);
      await expect(lookup).rejects.toThrow(BackendUnreachableError);
      await expect(lookup).rejects.toThrow(`${url}/api/v2/trace/${T128}: the response body did not arrive within 500 ms`);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      timers.forEach(clearInterval);
    }
  });

  test('not JSON, a bad status, a server that is not Zipkin: each says what it got', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/api/v2/services') res.writeHead(404).end();
      else if (req.url!.startsWith('/html')) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      else res.writeHead(400, { 'content-type': 'text/*' }).end('zz should be lower-hex encoded with no prefix');
    });
    await expect(new ZipkinSource({ baseUrl: `${url}/html` }).getTrace(T128)).rejects.toThrow(
      /not a Zipkin API v2 answer: the body is not JSON: <html>login<\/html>/,
    );
    await expect(new ZipkinSource({ baseUrl: url }).getTrace(T128)).rejects.toThrow(/answered HTTP 400: zz should be lower-hex/);
    await expect(connectZipkin({ baseUrl: url })).rejects.toThrow(/does not serve \/api\/v2\/services: is it Zipkin's query port \(9411\)/);
    await expect(connectZipkin({ baseUrl: `http://127.0.0.1:${await closedPort()}` })).rejects.toThrow(/cannot reach .*ECONNREFUSED/);
  });

  test('the poller reads a trace through zipkinSource once it lands, and reports the backend as Zipkin', async () => {
    let lookups = 0;
    const url = await serve((req, res) => {
      if (req.url === '/api/v2/services') return json(res, ['frontend']);
      if (req.url!.startsWith('/api/v2/traces')) return json(res, []);
      if (++lookups < 3) return res.writeHead(404, { 'content-type': 'text/*' }).end('not found');
      json(res, [span({ id: '00f067aa0ba902b7', name: 'get /', kind: 'SERVER', localEndpoint: { serviceName: 'frontend' } })]);
    });
    const spec = parseSpec('name: one\nspans:\n  front:\n    service: frontend\n    kind: server\n', 'inline');
    const outcome = await pollAndVerify(spec, zipkinSource(await connectZipkin({ baseUrl: url }), url), {
      traceIds: [T128],
      intervalMs: 20,
      timeoutMs: 5000,
    });
    expect(outcome.result.passed).toBe(true);
    expect(outcome.polls).toBe(3);
  });
});
