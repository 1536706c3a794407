/**
 * The relay's own HTTP/1.1 handling over real loopback sockets: what `http.Server` and undici did for
 * it before the hop moved to its own I/O path (bodies both ways, chunked coding, pipelining, HTTP/1.0
 * clients, Expect, HEAD/204, 1xx, close-delimited and malformed upstream responses, stale keep-alive
 * connections, the connection limit).
 */
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { request } from 'undici';
import { startRelay, type RunningRelay } from '../../src/relay';
import { mulberry32 } from '../support/seeded-random';
import { rawPacedRequest, rawRequest, startEchoUpstream } from './helpers/upstreams';

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
async function scriptedUpstream(
  answer: (socket: Socket, data: string, nth: number) => void,
): Promise<{ url: string; connections: number }> {
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

  test('a chunked request body is forwarded chunked (re-framed: the extension is dropped), and the connection stays usable', async () => {
    // GIVEN an echo upstream
    const echo = await startEchoUpstream();
    cleanup.push(() => echo.close());
    const hop = await relay(echo.url);
    // WHEN a chunked POST and then a GET go over one raw connection
    const answer = await rawRequest(
      hop.port,
      'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n' +
        'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
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
    const answer = await rawRequest(
      hop.port,
      ['/1', '/2', '/3'].map((p, i) => `GET ${p} HTTP/1.1\r\nHost: a\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`).join(''),
    );
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
    const answer = await rawRequest(
      hop.port,
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nbody',
    );
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
    const answer = await rawRequest(
      hop.port,
      'HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /empty HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const responses = answer.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(3);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 5\r\n/i);
    expect(responses[0].endsWith('\r\n\r\n')).toBe(true);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 204 No Content\r\n[\s\S]*\r\n\r\n$/);
    expect(responses[2].endsWith('\r\n\r\nhello')).toBe(true);
  });

  test('1xx informational responses from upstream are skipped; the final one is forwarded', async () => {
    const upstream = await scriptedUpstream((socket) =>
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    );
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
    [
      'two different Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx',
      'invalid_response',
      /two different Content-Length/,
    ],
    [
      'response headers over the limit',
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`,
      'response_headers_too_large',
      /response headers over the size limit/,
    ],
    [
      'a malformed chunked body before anything was flushed',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'invalid_response',
      /malformed chunked body/,
    ],
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
    const pieces = [
      'GET / HTTP/1.1\r\n',
      'Host: a\r\n',
      'Transfer-Encoding: chunked\r\n',
      'Content-Length: 3\r\n',
      '\r\n',
      'zz\r\n',
      '0\r\n\r\n',
      '\n',
      ':',
      '\x00',
    ];
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 30 }, () => {
          let bytes = '';
          for (let i = Math.floor(rand() * 12); i > 0; i--)
            bytes += rand() < 0.7 ? pieces[Math.floor(rand() * pieces.length)] : String.fromCharCode(Math.floor(rand() * 256));
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

/**
 * Connection reuse, framing and timeouts at the edges (found by a review of the I/O path, each one a
 * reproduction of a bug it had): what must hold for a hop that pools upstream connections.
 */
describe('relay HTTP/1.1: reuse, framing and timeouts at the edges', () => {
  test('an upstream answering before the request body arrived never gets its connection reused (no request smuggling)', async () => {
    // GIVEN a strict upstream (Node's llhttp) that answers /early without reading the body, one pooled connection
    const parsed: string[] = [];
    const server = createServer((req, res) => {
      parsed.push(`${req.method} ${req.url}`);
      if (req.url === '/early') {
        res.end('early\n');
        return;
      }
      req.resume();
      req.on('end', () => res.end(`answered ${req.method} ${req.url}\n`));
    });
    const hop = await relay(await listen(server), { upstreamConnections: 1 });
    // WHEN client A announces a body it never sends, and client B then posts a body that is itself a request
    const a = await rawRequest(hop.port, 'POST /early HTTP/1.1\r\nHost: r\r\nContent-Length: 300\r\n\r\n', 500);
    const smuggled = 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n';
    const b = await rawRequest(
      hop.port,
      `POST /x HTTP/1.1\r\nHost: r\r\nContent-Length: ${smuggled.length}\r\nConnection: close\r\n\r\n${smuggled}`,
      2000,
    );
    // THEN A's answer says the connection closes (its body is unread), and B's request is B's
    expect(a).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close\r\n/i);
    expect(b.split('\r\n\r\n')[1]).toBe('answered POST /x\n');
    expect(parsed).toEqual(['POST /early', 'POST /x']);
  });

  test('a response paused for a slow client is not pooled paused: the next request on the connection is answered at once', async () => {
    // GIVEN three 10 KiB chunks in one upstream write, de-chunked for an HTTP/1.0 client (one client write each)
    const chunk = (n: number): string => `${n.toString(16)}\r\n${'c'.repeat(n)}\r\n`;
    const upstream = await scriptedUpstream((socket, data) => {
      if (data.startsWith('GET /chunked'))
        socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(10240)}${chunk(10240)}${chunk(10240)}0\r\n\r\n`);
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsmall\n');
    });
    const hop = await relay(upstream.url, { responseTimeoutMs: 3000 });
    const a = await rawRequest(hop.port, 'GET /chunked HTTP/1.0\r\n\r\n', 1000);
    expect(a.length).toBeGreaterThan(30 * 1024);
    // WHEN the next request takes the same pooled connection
    const started = Date.now();
    const b = await rawRequest(hop.port, 'GET /next HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n', 5000);
    // THEN it is answered, well inside the response timeout, over the one upstream connection
    expect(b.split('\r\n\r\n')[1]).toBe('small\n');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(upstream.connections).toBe(1);
  });

  test('an upstream response with Transfer-Encoding and Content-Length reaches a pipelining client without the Content-Length', async () => {
    const upstream = await scriptedUpstream((socket, data) => {
      const count = data.split('GET ').length - 1;
      for (let i = 0; i < count; i++)
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    });
    const hop = await relay(upstream.url);
    const answer = await rawRequest(hop.port, 'GET /1 HTTP/1.1\r\nHost: r\r\n\r\nGET /2 HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n');
    const responses = answer.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    for (const r of responses) {
      expect(r).not.toMatch(/content-length/i);
      expect(r).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*transfer-encoding: chunked\r\n/);
      expect(r.endsWith('\r\n\r\n5\r\nhello\r\n0\r\n\r\n')).toBe(true);
    }
  });

  test('a slow upload is not an upstream timeout: body bytes restart the clock', async () => {
    // GIVEN an upstream that answers once the whole body arrived, a 400 ms response timeout
    const server = createServer((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => res.end(`got ${n}\n`));
    });
    const hop = await relay(await listen(server), { responseTimeoutMs: 400 });
    // WHEN 300 bytes trickle in over ~1.2 s
    const head = 'POST /upload HTTP/1.1\r\nHost: r\r\nContent-Length: 300\r\nConnection: close\r\n\r\n';
    const answer = await rawPacedRequest(hop.port, [head, ...Array.from({ length: 10 }, () => Buffer.alloc(30, 'u'))], 120);
    // THEN the upstream's answer arrives
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.split('\r\n\r\n')[1]).toBe('got 300\n');
  });

  test('a client reading slowly is not an upstream body timeout: the whole response arrives', async () => {
    // GIVEN a 8 MiB response and a 300 ms response timeout
    const big = Buffer.alloc(8 * 1024 * 1024, 'z');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': big.length });
      res.end(big);
    });
    const hop = await relay(await listen(server), { responseTimeoutMs: 300 });
    // WHEN the client reads nothing for 1.2 s, then everything
    const bytes = await new Promise<number>((resolve) => {
      const socket = connect(hop.port, '127.0.0.1');
      let n = 0;
      socket.on('error', () => {});
      socket.pause();
      setTimeout(() => socket.resume(), 1200);
      socket.on('data', (d: Buffer) => (n += d.length));
      socket.on('close', () => resolve(n));
      socket.write('GET /big HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n');
    });
    // THEN the body arrived whole (head + 8 MiB), not cut at the timeout
    expect(bytes).toBeGreaterThan(big.length);
  });

  test('a POST on a stale kept-alive connection is not retried: it may have been processed (a GET is: the test above)', async () => {
    const upstream = await scriptedUpstream((socket, _data, nth) => {
      if (nth === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst');
      else socket.resetAndDestroy();
    });
    const hop = await relay(upstream.url, { upstreamConnections: 1 });
    await (await request(hop.url)).body.dump();
    const post = await request(hop.url, { method: 'POST', body: '' });
    expect(post.statusCode).toBe(502);
    await post.body.dump();
    expect(upstream.connections).toBe(1);
  });

  test.each([
    [204, 'No Content'],
    [304, 'Not Modified'],
  ])('status fault %i carries no body, so a pipelining client reads every response; 1xx is refused', async (status, reason) => {
    const hop = await relay('http://127.0.0.1:9', { faults: [`status=${status}`] });
    const answer = await rawRequest(hop.port, 'GET /1 HTTP/1.1\r\nHost: r\r\n\r\nGET /2 HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n');
    const responses = answer.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    for (const r of responses) {
      expect(r.startsWith(`HTTP/1.1 ${status} ${reason}\r\n`)).toBe(true);
      expect(r).not.toMatch(/content-length/i);
      expect(r.endsWith('\r\n\r\n')).toBe(true);
    }
    await expect(startRelay({ serviceName: 'edge', faults: ['status=103'] })).rejects.toThrow(
      'status needs a 3-digit HTTP status 200..599',
    );
  });

  test('CONNECT is refused with 501 (a reverse-proxy hop opens no tunnels)', async () => {
    const upstream = await scriptedUpstream(() => {
      throw new Error('nothing may reach the upstream');
    });
    const hop = await relay(upstream.url);
    const answer = await rawRequest(hop.port, 'CONNECT /x HTTP/1.1\r\nHost: r\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n[\s\S]*CONNECT is not supported/);
    expect(upstream.connections).toBe(0);
  });

  test('a connection the relay ends is read to its FIN and released, even while its request body was paused', async () => {
    // GIVEN an upstream that refuses large uploads at once and closes
    const upstream = await scriptedUpstream((socket) => {
      socket.end('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    const hop = await relay(upstream.url);
    // WHEN a client streams a 4 MiB body, then closes on the relay's FIN
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(hop.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('data', () => {});
      socket.on('end', () => socket.end());
      socket.on('close', () => resolve(true));
      socket.write('POST /upload HTTP/1.1\r\nHost: r\r\nContent-Length: 4194304\r\n\r\n');
      socket.write(Buffer.alloc(4 * 1024 * 1024, 'b'));
      setTimeout(() => resolve(false), 4000);
    });
    // THEN the exchange ends: the client saw the connection close (the relay read past its paused body)
    expect(closed).toBe(true);
  });
});
