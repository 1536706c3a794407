/**
 * The relay's fault matrix (issue 3 "Done means"): every case runs over real loopback HTTP against
 * real misbehaving upstreams, with spans checked in a real OTLP/HTTP receiver.
 */
import { Pool, request } from 'undici';
import { startRelay, type RunningRelay } from '../../src/relay';
import { startOtlpReceiver } from '../../src/verify/sources/otlp-receiver';
import { startJsonReceiver, type JsonReceiver } from './helpers/otlp-json-receiver';
import { rawRequest, refusedUrl, startEchoUpstream, startResetMidBodyUpstream, type TestUpstream } from './helpers/upstreams';
import { waitUntil } from '../support/wait-until';

describe('relay fault matrix', () => {
  let receiver: JsonReceiver;
  const cleanup: Array<{ close(): Promise<void> }> = [];

  beforeEach(async () => {
    receiver = await startJsonReceiver();
  });
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((c) => c.close()));
    await receiver.close();
  });

  async function relay(options: Parameters<typeof startRelay>[0]): Promise<RunningRelay> {
    const r = await startRelay({
      serviceName: 'edge',
      otlpEndpoint: receiver.url,
      otlpProtocol: 'http/json',
      spanFlushIntervalMs: 20,
      ...options,
    });
    cleanup.push(r);
    return r;
  }

  async function upstream<T extends TestUpstream>(u: Promise<T>): Promise<T> {
    const started = await u;
    cleanup.push(started);
    return started;
  }

  test('upstream refused → 502 and error spans naming the refusal', async () => {
    // GIVEN a hop whose upstream port has nothing listening
    const hop = await relay({ upstreams: [await refusedUrl()] });
    // WHEN a request passes
    const res = await request(hop.url);
    const body = await res.body.text();
    await hop.close();
    // THEN the client gets 502 with the reason, and both spans are errors
    expect(res.statusCode).toBe(502);
    expect(body).toContain('refused the connection (ECONNREFUSED)');
    const server = receiver.spans.find((s) => s.kind === 2)!;
    const client = receiver.spans.find((s) => s.kind === 3)!;
    expect(server).toMatchObject({
      statusCode: 2,
      attributes: expect.objectContaining({ 'http.response.status_code': 502, 'error.type': 'ECONNREFUSED' }),
    });
    expect(client).toMatchObject({
      statusCode: 2,
      parentSpanId: server.spanId,
      attributes: expect.objectContaining({ 'error.type': 'ECONNREFUSED' }),
    });
    expect(client.statusMessage).toContain('refused');
  });

  test('upstream slower than the response timeout → 504 and the upstream request is cancelled', async () => {
    // GIVEN an upstream answering after 2 s and a hop with a 200 ms response timeout
    const slow = await upstream(startEchoUpstream({ delayMs: 2000 }));
    const hop = await relay({ upstreams: [slow.url], responseTimeoutMs: 200 });
    // WHEN a request passes
    const started = Date.now();
    const res = await request(hop.url);
    const body = await res.body.text();
    // THEN 504 arrives near the timeout, not the upstream's delay
    expect(res.statusCode).toBe(504);
    expect(body).toContain('response timeout');
    expect(Date.now() - started).toBeLessThan(1500);
    await hop.close();
    const server = receiver.spans.find((s) => s.kind === 2)!;
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 504, 'error.type': 'response_timeout' });
    expect(server.statusCode).toBe(2);
    // AND the relay gave up its upstream connection
    await waitFor(() => slow.aborted === 1);
  });

  test('upstream reset mid-body before the relay flushed anything → 502 and error spans', async () => {
    // GIVEN an upstream that sends headers and half the body in one piece, then resets
    const reset = await upstream(startResetMidBodyUpstream(1));
    const hop = await relay({ upstreams: [reset.url] });
    // WHEN a request passes
    const res = await request(hop.url);
    const body = await res.body.text();
    // THEN the relay still held the status line and the one chunk: the client gets an honest 502
    expect(res.statusCode).toBe(502);
    expect(body).toContain('closed the connection before a complete response');
    await hop.close();
    const server = receiver.spans.find((s) => s.kind === 2)!;
    expect(server).toMatchObject({ statusCode: 2, attributes: expect.objectContaining({ 'http.response.status_code': 502 }) });
  });

  test('upstream reset mid-body after part of it reached the client → the client connection is cut (never a second status)', async () => {
    // GIVEN an upstream that sends headers and half the body in two pieces, then resets
    const reset = await upstream(startResetMidBodyUpstream(2));
    const hop = await relay({ upstreams: [reset.url] });
    // WHEN a request passes
    const res = await request(hop.url);
    // THEN the status (already sent) is 200 but reading the body fails: the client knows it is truncated
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    await hop.close();
    const server = receiver.spans.find((s) => s.kind === 2)!;
    const client = receiver.spans.find((s) => s.kind === 3)!;
    expect(server.statusCode).toBe(2);
    expect(client.statusCode).toBe(2);
    expect(client.statusMessage).toMatch(/closed the connection before a complete response|failed/);
  });

  test('client abort cancels the upstream request', async () => {
    // GIVEN a slow upstream behind a hop
    const slow = await upstream(startEchoUpstream({ delayMs: 5000 }));
    const hop = await relay({ upstreams: [slow.url] });
    // WHEN the client gives up after 150 ms
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 150);
    await expect(request(hop.url, { signal: abort.signal })).rejects.toThrow();
    // THEN the upstream sees its request abandoned long before it would have answered
    const started = Date.now();
    await waitFor(() => slow.aborted === 1);
    expect(Date.now() - started).toBeLessThan(2000);
    // AND the spans say the client aborted, and the counter counts it
    await hop.close();
    const server = receiver.spans.find((s) => s.kind === 2)!;
    expect(server.attributes['error.type']).toBe('client_aborted');
    expect(hop.metricsText()).toContain('relay_client_aborts_total 1');
  });

  test("a 64 KiB header → 431; a 48 KiB one (over Node's 16 KiB default, under Envoy's 60 KiB) passes", async () => {
    // GIVEN a hop in front of an echo upstream
    const echo = await upstream(startEchoUpstream());
    const hop = await relay({ upstreams: [echo.url] });
    // WHEN one request carries 64 KiB of header and another 48 KiB
    const big = await request(hop.url, { headers: { 'x-big': 'a'.repeat(64 * 1024) } });
    const medium = await request(hop.url, { headers: { 'x-big': 'a'.repeat(48 * 1024) } });
    // THEN the first is refused with 431 and never reaches upstream; the second passes whole
    expect(big.statusCode).toBe(431);
    expect(await big.body.text()).toContain('request headers over 61440 bytes');
    expect(medium.statusCode).toBe(200);
    await medium.body.dump();
    expect(echo.seen).toHaveLength(1);
    expect((echo.seen[0].headers['x-big'] as string).length).toBe(48 * 1024);
  });

  test('2 500 small headers (under the byte limit) are all forwarded, none silently dropped', async () => {
    // GIVEN a hop in front of an echo upstream
    const echo = await upstream(startEchoUpstream());
    const hop = await relay({ upstreams: [echo.url] });
    // WHEN a request carries 2 500 headers (Node alone keeps the first 2 000)
    const headers: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) headers[`x-h${i}`] = String(i);
    const res = await request(hop.url, { headers });
    await res.body.dump();
    // THEN the upstream got every one of them
    expect(res.statusCode).toBe(200);
    expect(Object.keys(echo.seen[0].headers).filter((k) => k.startsWith('x-h'))).toHaveLength(2500);
    expect(echo.seen[0].headers['x-h2499']).toBe('2499');
  });

  test('absolute-form targets are reduced to a path (the caller cannot pick the host upstream routes on); "*" only with OPTIONS', async () => {
    // GIVEN a hop in front of an echo upstream
    const echo = await upstream(startEchoUpstream());
    const hop = await relay({ upstreams: [echo.url] });
    // WHEN one request names another host in absolute-form, one asks GET "*" and one OPTIONS "*"
    const absolute = await rawRequest(hop.port, `GET http://evil.example/x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    const star = await rawRequest(hop.port, `GET * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    const options = await rawRequest(hop.port, `OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    // THEN upstream saw only the path, with its own Host; GET "*" never reached it; OPTIONS "*" did, as is
    expect(absolute).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(star).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(star).toContain('is not a path');
    expect(options).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(echo.seen.map((s) => [s.method, s.url, s.headers.host])).toEqual([
      ['GET', '/x?y=1', new URL(echo.url).host],
      ['OPTIONS', '*', new URL(echo.url).host],
    ]);
  });

  test.each([
    [
      'CL+TE',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
    ],
    [
      'two different Content-Length',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabcGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
    ],
    ['TE chunked, identity', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
    ['space before colon', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n'],
  ])('smuggling shape refused with 400 before reaching upstream: %s', async (_name, bytes) => {
    // GIVEN a hop in front of an echo upstream
    const echo = await upstream(startEchoUpstream());
    const hop = await relay({ upstreams: [echo.url] });
    // WHEN the ambiguous request is sent raw
    const answer = await rawRequest(hop.port, bytes);
    // THEN it is refused with 400, the connection is closed, and nothing (smuggled or not) reaches upstream
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('Connection: close');
    expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(echo.seen).toHaveLength(0);
    expect(hop.metricsText()).toContain('relay_rejected_requests_total{code="400"} 1');
  });

  test("HTTP/1.1 without Host is refused with 400 (Node's requireHostHeader)", async () => {
    // GIVEN a hop in front of an echo upstream
    const echo = await upstream(startEchoUpstream());
    const hop = await relay({ upstreams: [echo.url] });
    // WHEN a request without Host is sent raw
    const answer = await rawRequest(hop.port, 'GET / HTTP/1.1\r\n\r\n');
    // THEN 400, and nothing reaches upstream
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(echo.seen).toHaveLength(0);
  });

  test('10 000 requests at concurrency 64: exactly one server span per request reaches the receiver', async () => {
    // GIVEN a hop in front of an echo upstream, exporting OTLP protobuf (the default) to the kit's own
    // OTLP receiver (the verifier's, which decodes protobuf)
    const echo = await upstream(startEchoUpstream());
    const otlp = await startOtlpReceiver({ port: 0 });
    cleanup.push(otlp);
    const hop = await startRelay({ serviceName: 'edge', otlpEndpoint: otlp.url, spanFlushIntervalMs: 100, upstreams: [echo.url] });
    cleanup.push(hop);
    const client = new Pool(hop.url, { connections: 64 });
    cleanup.push(client);
    // WHEN 10 000 requests, each in its own trace, go through at concurrency 64
    const total = 10_000;
    const traceIds: string[] = [];
    let next = 0;
    let ok = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const n = next++;
        const traceId = n.toString(16).padStart(32, '0').replace(/^0/, 'a');
        traceIds.push(traceId);
        const res = await client.request({ path: `/r/${n}`, method: 'GET', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
        await res.body.dump();
        if (res.statusCode === 200) ok++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    await hop.close();
    // THEN every request succeeded and the receiver holds exactly one server span per trace
    expect(ok).toBe(total);
    const servers = otlp
      .traces()
      .flatMap((t) => t.spans)
      .filter((s) => s.kind === 'server');
    expect(otlp.spansReceived).toBe(2 * total);
    expect(servers).toHaveLength(total);
    const perTrace = new Map<string, number>();
    for (const s of servers) perTrace.set(s.traceId, (perTrace.get(s.traceId) ?? 0) + 1);
    expect(perTrace.size).toBe(total);
    expect([...perTrace.keys()].sort()).toEqual([...traceIds].sort());
    expect(hop.spanStats()).toMatchObject({ created: 2 * total, exported: 2 * total, dropped: 0, failed: 0, pending: 0 });
  }, 120_000);
});

/** The shared condition wait, with this file's 5 s default. */
const waitFor = (condition: () => boolean, timeoutMs = 5000): Promise<true> => waitUntil('the condition', () => condition(), timeoutMs);
