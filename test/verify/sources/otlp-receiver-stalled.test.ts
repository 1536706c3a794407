/**
 * The receiver's body idle bound (docs/reliability.md, "OTLP receiver"): a sender that stops sending
 * its body mid-way is answered 408 and cut off after the bound, and its share of the in-flight budget
 * is free at once — not after Node's 30 s request timeout, during which a few stalled senders would
 * turn every other export away with 503. Raw sockets on loopback, so the test controls every byte and
 * pause; real timers with a short bound, waiting on conditions, never on fixed sleeps.
 */
import { connect, type Socket } from 'node:net';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/verify/sources/otlp-receiver';
import { decodeRpcStatus } from '../../../src/verify/sources/otlp-proto';
import { post, PROTO, sdkSpan } from '../helpers/otlp-export';

const IDLE_MS = 200;
const KiB = 1024;

/**
 * A raw HTTP/1.1 sender: the head and `first` bytes of the body are written, the rest only when asked.
 * Half-open: the receiver's FIN does not end the sender's side, so its socket stays open until the
 * test destroys it, as a stalled client's may (the budget must not wait for it).
 */
function rawSender(receiver: OtlpReceiver, headers: Record<string, string | number>, first: Buffer) {
  const socket: Socket = connect({ port: receiver.port, host: '127.0.0.1', allowHalfOpen: true });
  const received: Buffer[] = [];
  // Resolves on the receiver's FIN, with everything it sent before it.
  const answered = new Promise<Buffer>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(received)));
    socket.on('error', reject);
  });
  const head = Object.entries({ host: `127.0.0.1:${receiver.port}`, 'content-type': PROTO, ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`POST /v1/traces HTTP/1.1\r\n${head}\r\n`);
  socket.write(first);
  return { socket, answered, received: () => Buffer.concat(received) };
}

/** The status, headers and google.rpc.Status message of a raw HTTP/1.1 response. */
function parseResponse(raw: Buffer) {
  const split = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = raw.subarray(split + 4);
  return { status: Number(statusLine!.split(' ')[1]), headers, message: decodeRpcStatus(body).message, bodyBytes: body.length };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('OTLP receiver: a body that stops arriving', () => {
  let receiver: OtlpReceiver;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await receiver.close();
  });

  test('stalled senders (Content-Length) get 408 before the close, and their budget is free for the next export at once', async () => {
    receiver = await startOtlpReceiver({ port: 0, maxBodyBytes: 600 * KiB, maxInflightBytes: 1200 * KiB, bodyIdleTimeoutMs: IDLE_MS });
    // GIVEN two senders that declared 500 KiB each, sent 1 KiB of it, and stopped
    const stalled = [0, 1].map(() => rawSender(receiver, { 'content-length': 500 * KiB }, Buffer.alloc(KiB)));
    sockets.push(...stalled.map((s) => s.socket));
    await until(() => receiver.bytesInFlight === 1000 * KiB);
    // (while they hold the budget, another large export is turned away: the fault the bound closes)
    const big = ProtobufTraceSerializer.serializeRequest([await sdkSpan({ payload: 'x'.repeat(400 * KiB) })])!;
    const early = await post(receiver, PROTO, big);
    expect(early.status).toBe(503);
    // WHEN no more bytes come for the idle bound
    const answers = await Promise.all(stalled.map((s) => s.answered));
    // THEN each reads a 408 with a Status body and Connection: close, sent before the receiver's FIN
    for (const raw of answers) {
      const res = parseResponse(raw);
      expect(res.status).toBe(408);
      expect(res.headers.connection).toBe('close');
      expect(res.headers['content-type']).toBe(PROTO);
      expect(res.bodyBytes).toBe(Number(res.headers['content-length']));
      expect(res.message).toBe(
        `no body bytes arrived for ${IDLE_MS} ms (1024 received); the body must keep arriving (raise the bound with --otlp-body-timeout)`,
      );
    }
    // AND the budget they held is free while their sockets are still open
    expect(receiver.bytesInFlight).toBe(0);
    expect(stalled.every((s) => !s.socket.destroyed)).toBe(true);
    const after = await post(receiver, PROTO, big);
    expect(after.status).toBe(200);
    expect(receiver.spansReceived).toBe(1);
    expect(receiver.traces()[0]!.spans[0]!.attributes.payload).toHaveLength(400 * KiB);
  });

  test('a stalled chunked body gets 408 too, and frees what it had sent', async () => {
    receiver = await startOtlpReceiver({ port: 0, bodyIdleTimeoutMs: IDLE_MS });
    const chunk = Buffer.alloc(64 * KiB, 0x0a);
    const sender = rawSender(
      receiver,
      { 'transfer-encoding': 'chunked' },
      Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
    );
    sockets.push(sender.socket);
    await until(() => receiver.bytesInFlight === chunk.length);
    const res = parseResponse(await sender.answered);
    expect(res.status).toBe(408);
    expect(res.message).toMatch(new RegExp(`^no body bytes arrived for ${IDLE_MS} ms \\(${chunk.length} received\\)`));
    expect(receiver.bytesInFlight).toBe(0);
  });

  test('a slow sender whose bytes keep coming (every 50 ms under a 200 ms bound) is not cut off', async () => {
    receiver = await startOtlpReceiver({ port: 0, bodyIdleTimeoutMs: IDLE_MS });
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest([await sdkSpan({ slow: 'y'.repeat(2 * KiB) })])!);
    // 16 pieces: the whole body takes ~800 ms, four times the idle bound
    const pieces = 16;
    const size = Math.ceil(body.length / pieces);
    const sender = rawSender(receiver, { 'content-length': body.length }, body.subarray(0, size));
    sockets.push(sender.socket);
    let at = size;
    const started = Date.now();
    const pacer = setInterval(() => {
      sender.socket.write(body.subarray(at, at + size));
      at += size;
      if (at >= body.length) clearInterval(pacer);
    }, 50);
    // The answer comes on a keep-alive connection (no FIN): wait for a whole response.
    const whole = (): boolean => {
      const raw = sender.received();
      const split = raw.indexOf('\r\n\r\n');
      return split > 0 && raw.length - split - 4 === Number(/content-length: *(\d+)/i.exec(raw.toString('latin1'))?.[1]);
    };
    await until(() => whole() || sender.socket.readableEnded);
    clearInterval(pacer);
    expect(at).toBeGreaterThanOrEqual(body.length);
    expect(Date.now() - started).toBeGreaterThan(3 * IDLE_MS);
    expect(sender.received().toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(receiver.spansReceived).toBe(1);
    expect(receiver.traces()[0]!.spans[0]!.attributes.slow).toBe('y'.repeat(2 * KiB));
    expect(receiver.bytesInFlight).toBe(0);
  });
});
