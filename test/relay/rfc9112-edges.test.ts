/**
 * Hostile request shapes at the edges of RFC 9112, over real loopback sockets: bare LF line ends, runs
 * of empty lines, request-target bytes, chunked framing and trailers (both directions), `OPTIONS *`
 * and other target forms, and how a client abort is counted. Each answer must come at once and the
 * refused connection must be closed by the hop.
 */
import { execFile } from 'node:child_process';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { startRelay, type RunningRelay } from '../../src/relay';
import { MAX_LEADING_EMPTY_LINES } from '../../src/relay/http1/client-connection';
import { startEchoUpstream } from './helpers/upstreams';
import { waitUntil } from '../support/wait-until';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function relay(upstream: string): Promise<RunningRelay> {
  const r = await startRelay({ serviceName: 'edge', upstreams: [upstream] });
  cleanup.push(() => r.close());
  return r;
}

/** A raw TCP upstream recording every byte it got; `answer` writes its response per data event. */
async function rawUpstream(
  answer: (socket: Socket, got: string) => void = () => {},
): Promise<{ url: string; received: () => string; connections: number }> {
  const state = { url: '', connections: 0, bytes: '' as string, received: () => state.bytes };
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (d) => {
      state.bytes += d.toString('latin1');
      answer(socket, state.bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/**
 * Writes `bytes` and never closes its side: resolves with what came back and whether the hop closed the
 * connection within `waitMs` (far below the hop's 65 s idle timer, so a hop that waits is caught).
 */
function exchange(port: number, bytes: string | Buffer, waitMs = 3000): Promise<{ answer: string; closedByHop: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), closedByHop: false });
    }, waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), closedByHop: true });
    });
    socket.write(bytes);
  });
}

/** The shared condition wait, with this file's 5 s default. */
const waitFor = (condition: () => boolean, timeoutMs = 5000): Promise<true> => waitUntil('the condition', () => condition(), timeoutMs);

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('relay: RFC 9112 edges answered at once, connection closed', () => {
  test.each([
    ['every line', 'GET / HTTP/1.1\nHost: a\n\n'],
    ['the request line only', 'GET / HTTP/1.1\nHost: a\r\n\r\n'],
    ['an incomplete head', 'GET / HTTP/1.1\nHost: a\n'],
  ])('bare LF line ends (%s) get 400 at once, and nothing goes upstream', async (_what, bytes) => {
    const upstream = await rawUpstream();
    const hop = await relay(upstream.url);
    const { answer, closedByHop } = await exchange(hop.port, bytes);
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*bare (CR or )?LF/);
    expect(closedByHop).toBe(true);
    expect(upstream.connections).toBe(0);
    expect(hop.metricsText()).toContain('relay_rejected_requests_total{code="400"} 1');
  });

  test(`up to ${MAX_LEADING_EMPTY_LINES} empty lines before a request are ignored; a longer run gets 400 and the connection closes`, async () => {
    const upstream = await rawUpstream((socket) => socket.write(OK));
    const hop = await relay(upstream.url);
    const few = await exchange(
      hop.port,
      `${'\r\n'.repeat(MAX_LEADING_EMPTY_LINES)}GET /few HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
    );
    expect(few.answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // Split across reads too: the run is counted over the connection, not per packet.
    const socketRun = await exchange(hop.port, `${'\r\n'.repeat(1000)}GET /many HTTP/1.1\r\nHost: a\r\n\r\n`);
    expect(socketRun.answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*empty lines before the request line/);
    expect(socketRun.closedByHop).toBe(true);
    expect(upstream.received()).toContain('GET /few ');
    expect(upstream.received()).not.toContain('/many');
  });

  test('a run of empty lines sent one by one is bounded as well (no request line ever comes)', async () => {
    const upstream = await rawUpstream();
    const hop = await relay(upstream.url);
    const result = await new Promise<{ answer: string; closedByHop: boolean }>((resolve) => {
      const socket = connect(hop.port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ answer, closedByHop: false });
      }, 3000);
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      socket.on('end', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ answer, closedByHop: true });
      });
      // Each CRLF in a write of its own, the next once the previous one was flushed.
      const next = (): void => {
        if (socket.destroyed || sent++ > 200) return;
        socket.write('\r\n', () => setImmediate(next));
      };
      next();
    });
    expect(result.answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(result.closedByHop).toBe(true);
  });

  test.each([
    [
      'UTF-8 bytes',
      Buffer.concat([Buffer.from('GET /caf'), Buffer.from([0xc3, 0xa9]), Buffer.from(' HTTP/1.1\r\nHost: a\r\n\r\n')]),
      '/caf\\xc3\\xa9',
    ],
    [
      'a latin1 byte in the query',
      Buffer.concat([Buffer.from('GET /p?q='), Buffer.from([0xff]), Buffer.from(' HTTP/1.1\r\nHost: a\r\n\r\n')]),
      '/p?q=\\xff',
    ],
    [
      'a non-ASCII byte in an absolute-form target',
      Buffer.concat([Buffer.from('GET http://h/'), Buffer.from([0x80]), Buffer.from(' HTTP/1.1\r\nHost: a\r\n\r\n')]),
      'http://h/\\x80',
    ],
  ])('a request target with %s gets 400 naming the byte; nothing goes upstream, the connection closes', async (_what, bytes, shown) => {
    const upstream = await rawUpstream((socket) => socket.write(OK));
    const hop = await relay(upstream.url);
    const { answer, closedByHop } = await exchange(hop.port, bytes);
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain(`request target "${shown}" has a byte outside visible ASCII`);
    expect(closedByHop).toBe(true);
    expect(upstream.connections).toBe(0);
  });

  test('curl sends " { | } raw: the hop forwards them unchanged (visible ASCII is accepted)', async () => {
    const echo = await startEchoUpstream();
    cleanup.push(() => echo.close());
    const hop = await relay(echo.url);
    // -g: no URL globbing, so curl sends { } as they are (its default for these bytes)
    const { stdout } = await promisify(execFile)('curl', ['-sS', '-g', '--path-as-is', `${hop.url}/a"b{c|d}^e?x={1}`]);
    expect(stdout).toBe('ok');
    expect(echo.seen.map((s) => s.url)).toEqual(['/a"b{c|d}^e?x={1}']);
  });

  test('a chunked request is re-framed: no BWS or extensions on size lines, forbidden trailer fields dropped', async () => {
    // GIVEN an upstream that answers once the chunked body ended
    const upstream = await rawUpstream((socket, got) => {
      if (got.endsWith('\r\n\r\n') && got.includes('\r\n0\r\n')) socket.write(OK);
    });
    const hop = await relay(upstream.url);
    // WHEN a chunked POST with odd size lines and trailers goes through
    const { answer } = await exchange(
      hop.port,
      'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
        '005 \r\nhello\r\n6 ;ext="x"\r\n world\r\n0;last\r\nContent-Length: 5\r\nX-Checksum: abc\r\nTransfer-Encoding: gzip\r\nTraceparent: 00-11111111111111111111111111111111-2222222222222222-01\r\nAuthorization: Basic eA==\r\n\r\n',
    );
    // THEN the upstream got canonical framing and only the harmless trailer
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const got = upstream.received();
    const body = got.slice(got.indexOf('\r\n\r\n') + 4);
    expect(body).toBe('5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n');
  });

  test('a chunked response is re-framed the same way on its way to the client', async () => {
    const upstream = await rawUpstream((socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Server-Timing\r\n\r\n' +
          '3\t;a=b\r\nabc\r\n0000\r\nContent-Length: 99\r\nSet-Cookie: s=1\r\nServer-Timing: db;dur=53\r\n\r\n',
      ),
    );
    const hop = await relay(upstream.url);
    const { answer } = await exchange(hop.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe('3\r\nabc\r\n0\r\nServer-Timing: db;dur=53\r\n\r\n');
  });

  test('a trailer whose name is not a token gets 400 and the connection closes', async () => {
    const upstream = await rawUpstream();
    const hop = await relay(upstream.url);
    const { answer, closedByHop } = await exchange(
      hop.port,
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nBad Name: v\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(closedByHop).toBe(true);
  });

  test('OPTIONS * is forwarded in asterisk-form, even to an upstream with a base path', async () => {
    const upstream = await rawUpstream((socket) => socket.write('HTTP/1.1 200 OK\r\nAllow: GET, OPTIONS\r\nContent-Length: 0\r\n\r\n'));
    const hop = await relay(`${upstream.url}/base`);
    const { answer } = await exchange(hop.port, 'OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Allow: GET, OPTIONS/i);
    expect(upstream.received()).toMatch(/^OPTIONS \* HTTP\/1\.1\r\n/);
  });

  test.each([
    ['* with GET', 'GET * HTTP/1.1'],
    ['authority-form without CONNECT', 'GET example.com:80 HTTP/1.1'],
    ['a relative path', 'GET foo HTTP/1.1'],
  ])('%s gets 400 and the connection closes, like every other refused head', async (_what, line) => {
    const upstream = await rawUpstream();
    const hop = await relay(upstream.url);
    const { answer, closedByHop } = await exchange(hop.port, `${line}\r\nHost: a\r\n\r\n`);
    expect(answer).toMatch(
      /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*is not a path; allowed: \/path\?query, an absolute http\(s\) URL, or \* with OPTIONS/,
    );
    expect(closedByHop).toBe(true);
    expect(upstream.connections).toBe(0);
  });

  test('an absolute-form target that is no URL gets 400 from the hop, with the connection closed as well', async () => {
    const upstream = await rawUpstream();
    const hop = await relay(upstream.url);
    const { answer, closedByHop } = await exchange(hop.port, 'GET http://[bad/x HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Connection: close\r\n[\s\S]*is not a path/);
    expect(closedByHop).toBe(true);
    expect(upstream.connections).toBe(0);
  });

  test('a client abort is counted in relay_client_aborts_total, never as a response class', async () => {
    // GIVEN an upstream that never answers
    const upstream = await rawUpstream();
    const hop = await relay(upstream.url);
    // WHEN a client sends a request and goes away before any answer
    const socket = connect(hop.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
    await waitFor(() => upstream.received().includes('GET /slow'));
    socket.destroy();
    await waitFor(() => hop.metricsText().includes('relay_client_aborts_total 1'));
    // THEN no response is counted for it
    const metrics = hop.metricsText();
    expect(metrics).not.toMatch(/relay_responses_total\{code="0xx"\}/);
    expect(metrics).not.toMatch(/^relay_responses_total\{/m);
  });
});
