/**
 * The relay's own HTTP/1.1 handling over real loopback sockets: what `http.Server` and undici did for
 * it before the hop moved to its own I/O path (bodies both ways, chunked coding, pipelining, HTTP/1.0
 * clients, Expect, HEAD/204, 1xx, close-delimited and malformed upstream responses, stale keep-alive
 * connections, the connection limit).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { request } from 'undici';
import { startRelay, type RunningRelay } from '../../src/relay';
import { mulberry32 } from '../support/seeded-random';
import { rawRequest, startEchoUpstream } from './helpers/upstreams';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function relay(upstream: string, more: Parameters<typeof startRelay>[0] = {}): Promise<RunningRelay> {
  const r = await startRelay({ serviceName: 'edge', upstreams: [upstream], ...more });
  cleanup.push(() => r.close());
  return r;
}

async function listen(server: Server | NetServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw TCP upstream: `answer` gets each request's bytes (as they arrive) and the count of requests on the socket. */
async function scriptedUpstream(answer: (socket: Socket, data: string, nth: number) => void): Promise<{ url: string; connections: number }> {
  const state = { url: '', connections: 0 };
  const server = createNetServer((socket) => {
    state.connections++;
    let nth = 0;
    socket.on('error', () => {});
    socket.on('data', (d) => answer(socket, d.toString('latin1'), ++nth));
  });
  state.url = await listen(server);
  return state;
}

describe('relay HTTP/1.1 handling', () => {
  test('a 2 MB Content-Length body goes up intact and a 3 MB response comes back intact', async () => {
    // GIVEN an upstream that hashes what it receives and answers with a large body
    const big = Buffer.alloc(3 * 1024 * 1024, 'r');
    let received = 0;
    const server = createServer((req, res) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => {
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
      });
    });
    const hop = await relay(await listen(server));
    // WHEN a 2 MB body is posted through the hop
    const res = await request(hop.url, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 'q') });
    const body = Buffer.from(await res.body.arrayBuffer());
    // THEN both directions arrive whole
    expect(res.statusCode).toBe(200);
    expect(received).toBe(2 * 1024 * 1024);
    expect(body.length).toBe(big.length);
    expect(body.equals(big)).toBe(true);
  });

  test('a chunked request body is forwarded chunked, byte for byte, and the connection stays usable', async () => {
    // GIVEN an echo upstream
    const echo = await startEchoUpstream();
    cleanup.push(() => echo.close());
    const hop = await relay(echo.url);
    // WHEN a chunked POST and then a GET go over one raw connection
    const answer = await rawRequest(
      hop.port,
      'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n' + 'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    // THEN the upstream got the whole body, chunked, and both requests were answered in order
    expect(echo.seen.map((s) => [s.method, s.url, s.body, s.headers['transfer-encoding']])).toEqual([
      ['POST', '/c', 'hello world', 'chunked'],
      ['GET', '/after', '', undefined],
    ]);
    expect(answer.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });

  test('a malformed chunked request body gets 400 and the connection closes', async () => {
    const echo = await startEchoUpstream();
    cleanup.push(() => echo.close());
    const hop = await relay(echo.url);
    const answer = await rawRequest(hop.port, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('malformed chunked request body');
    expect(hop.metricsText()).toContain('relay_rejected_requests_total{code="400"} 1');
  });

  test('pipelined requests in one packet are answered in order', async () => {
    const echo = await startEchoUpstream({ body: 'same' });
    cleanup.push(() => echo.close());
    const hop = await relay(echo.url);
    const answer = await rawRequest(hop.port, ['/1', '/2', '/3'].map((p, i) => `GET ${p} HTTP/1.1\r\nHost: a\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`).join(''));
    expect(echo.seen.map((s) => s.url)).toEqual(['/1', '/2', '/3']);
    expect(answer.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
  });

  test('a chunked upstream response reaches an HTTP/1.1 client chunked and an HTTP/1.0 client de-chunked', async () => {
    // GIVEN an upstream answering without Content-Length (Node then sends chunked)
    const server = createServer((_req, res) => {
      res.write('part one, ');
      setTimeout(() => res.end('part two'), 20);
    });
    const hop = await relay(await listen(server));
    // WHEN an HTTP/1.1 and an HTTP/1.0 client ask
    const modern = await request(hop.url);
    const modernBody = await modern.body.text();
    const old = await rawRequest(hop.port, 'GET / HTTP/1.0\r\n\r\n');
    // THEN the 1.1 client reads the whole body over chunked coding
    expect(modern.headers['transfer-encoding']).toBe('chunked');
    expect(modernBody).toBe('part one, part two');
    // AND the 1.0 client gets plain bytes ending with the connection
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(old).toMatch(/\r\nconnection: close\r\n/i);
    expect(old).not.toMatch(/transfer-encoding/i);
    expect(old.endsWith('\r\n\r\npart one, part two')).toBe(true);
  });

  test('Expect: 100-continue is answered by the hop, then the final response follows', async () => {
    const echo = await startEchoUpstream();
    cleanup.push(() => echo.close());
    const hop = await relay(echo.url);
    const answer = await rawRequest(hop.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nbody');
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(echo.seen[0]).toMatchObject({ body: 'body' });
    expect(echo.seen[0].headers.expect).toBeUndefined();
  });

  test('HEAD gets the headers (Content-Length included) and no body, and the connection stays usable; 204 likewise', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': 5 });
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const hop = await relay(await listen(server));
    const answer = await rawRequest(hop.port, 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /empty HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const responses = answer.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(3);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 5\r\n[\s\S]*\r\n\r\n$/i);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 204 No Content\r\n[\s\S]*\r\n\r\n$/);
    expect(responses[2].endsWith('\r\n\r\nhello')).toBe(true);
  });

  test('1xx informational responses from upstream are skipped; the final one is forwarded', async () => {
    const upstream = await scriptedUpstream((socket) => socket.write('HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const hop = await relay(upstream.url);
    const res = await request(hop.url);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('ok');
  });

  test('a close-delimited upstream response is forwarded whole and the client connection closes after it', async () => {
    const upstream = await scriptedUpstream((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'));
    const hop = await relay(upstream.url);
    const answer = await rawRequest(hop.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close\r\n\r\nuntil the end$/i);
  });

  test.each([
    ['a malformed status line', 'HTTP/1.1 two hundred\r\n\r\n', 'invalid_response', /sent an invalid response: malformed status line/],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx', 'invalid_response', /two different Content-Length/],
    ['response headers over the limit', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, 'response_headers_too_large', /response headers over the size limit/],
    ['a malformed chunked body before anything was flushed', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'invalid_response', /malformed chunked body/],
  ])('an upstream sending %s → 502 naming it, counted by error type', async (_name, response, type, message) => {
    const upstream = await scriptedUpstream((socket) => socket.write(response));
    const hop = await relay(upstream.url);
    const res = await request(hop.url);
    expect(res.statusCode).toBe(502);
    expect(await res.body.text()).toMatch(message);
    expect(hop.metricsText()).toContain(`relay_upstream_errors_total{error_type="${type}"} 1`);
  });

  test('a kept-alive upstream connection that dies before answering is retried once on a fresh one', async () => {
    // GIVEN an upstream that answers the first request on a connection and resets on the second
    const upstream = await scriptedUpstream((socket, _data, nth) => {
      if (nth === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst');
      else socket.resetAndDestroy();
    });
    const hop = await relay(upstream.url);
    // WHEN two requests go one after the other (the second reuses the kept-alive connection)
    const first = await request(hop.url);
    expect(await first.body.text()).toBe('first');
    const second = await request(hop.url);
    // THEN the second succeeds on a new connection; the client never saw the stale one
    expect(second.statusCode).toBe(200);
    expect(await second.body.text()).toBe('first');
    expect(upstream.connections).toBe(2);
  });

  test('300 random byte strings over raw sockets never take the hop down; a normal request still passes after', async () => {
    // GIVEN an echo upstream behind a hop
    const echo = await startEchoUpstream();
    cleanup.push(() => echo.close());
    const hop = await relay(echo.url);
    // WHEN garbage (seeded) arrives on 300 connections, 30 at a time
    const rand = mulberry32(42);
    const pieces = ['GET / HTTP/1.1\r\n', 'Host: a\r\n', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 3\r\n', '\r\n', 'zz\r\n', '0\r\n\r\n', '\n', ':', '\x00'];
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 30 }, () => {
          let bytes = '';
          for (let i = Math.floor(rand() * 12); i > 0; i--) bytes += rand() < 0.7 ? pieces[Math.floor(rand() * pieces.length)] : String.fromCharCode(Math.floor(rand() * 256));
          return rawRequest(hop.port, Buffer.from(bytes, 'latin1'), 300).catch(() => '');
        }),
      );
    }
    // THEN the hop still answers a well-formed request
    const res = await request(hop.url);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  }, 30_000);

  test('--upstream-connections bounds the pool: requests beyond it wait, none fail', async () => {
    // GIVEN an upstream that answers after 50 ms and counts concurrent connections
    let open = 0;
    let peak = 0;
    const server = createServer((_req, res) => setTimeout(() => res.end('ok'), 50));
    server.on('connection', (s: Socket) => {
      peak = Math.max(peak, ++open);
      s.on('close', () => open--);
    });
    const hop = await relay(await listen(server), { upstreamConnections: 2 });
    // WHEN 8 requests arrive at once
    const statuses = await Promise.all(Array.from({ length: 8 }, async () => (await request(hop.url)).statusCode));
    // THEN all succeed over at most 2 upstream connections
    expect(statuses).toEqual(Array(8).fill(200));
    expect(peak).toBeLessThanOrEqual(2);
  });
});
