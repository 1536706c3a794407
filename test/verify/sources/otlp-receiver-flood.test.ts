/**
 * The embedded OTLP/HTTP receiver under every hostile class at once (docs/reliability.md, "OTLP
 * receiver"), over loopback from real clients, while small valid exports keep arriving one at a time:
 * each hostile request gets its OTLP/HTTP status, each small export its 200 with its span stored, and
 * the receiver serves normally afterwards. How long answers take under such a flood is measured by
 * `npm run bench:receiver`, not asserted here.
 */
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { Pool, request } from 'undici';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/verify/sources/otlp-receiver';
import { decodeRpcStatus, encodeExportRequest } from '../../../src/verify/sources/otlp-proto';
import { encodeOtlpJson } from '../../../src/verify/sources/otlp-json-encode';
import { spansFromOtlpProtobuf } from '../../../src/verify/sources/otlp-proto-fast';
import { MAX_JSON_CONTAINERS } from '../../../src/verify/sources/otlp-json-shape';
import { expectServing, JSON_TYPE, nested, post, PROTO, sdkSpan } from '../helpers/otlp-export';

const MiB = 1024 * 1024;
const LIMIT = 4 * MiB;
const INFLIGHT = 16 * MiB;
/** The body idle bound: far above any pause of a sender that keeps sending, even under this flood. */
const BODY_IDLE_MS = 2_000;

/** A valid export request of `count` spans in one trace, each with a few SDK-typical attributes. */
function exportOf(count: number, traceId = randomBytes(16)): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId,
    spanId: randomBytes(8),
    name: 'GET /productpage',
    kind: 2,
    startTimeUnixNano: String(now + BigInt(i)),
    endTimeUnixNano: String(now + BigInt(i) + 250_000n),
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'url.path', value: { stringValue: `/productpage/${'x'.repeat(200)}` } },
      { key: 'http.response.status_code', value: { intValue: 200 } },
    ],
  }));
  return encodeExportRequest({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'flood' } }] }, scopeSpans: [{ spans }] }],
  });
}

interface Answer {
  readonly status: number | string;
  readonly retryAfter?: string | string[];
  readonly message: string;
}

/** One hostile class: how to send one request, how many at once, and the statuses OTLP/HTTP allows for it. */
interface HostileClass {
  readonly name: string;
  readonly copies: number;
  readonly allowed: readonly (number | string)[];
  /** What the message of a non-200, non-503 answer must say. */
  readonly message?: RegExp;
  send(): Promise<Answer>;
}

async function answer(
  receiver: OtlpReceiver,
  type: string,
  body: Uint8Array | string | AsyncIterable<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await post(receiver, type, body, headers);
  return { status: res.status, retryAfter: res.headers['retry-after'], message: res.message };
}

/** A chunked body of `bytes` bytes of 0x01 (no Content-Length). */
async function* chunked(bytes: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < bytes; sent += 64 * 1024) yield Buffer.alloc(64 * 1024, 1);
}

describe('OTLP receiver under every hostile class at once', () => {
  let receiver: OtlpReceiver;
  afterEach(async () => {
    await receiver.close();
  });

  test('every hostile request gets its status, small valid exports keep getting 200 and are stored, and the receiver serves afterwards', async () => {
    receiver = await startOtlpReceiver({
      port: 0,
      maxBodyBytes: LIMIT,
      maxInflightBytes: INFLIGHT,
      bodyIdleTimeoutMs: BODY_IDLE_MS,
      onWarning: () => undefined,
    });
    const deep25 = ProtobufTraceSerializer.serializeRequest([await sdkSpan({ deep: nested(25) })])!;
    const deep100 = ProtobufTraceSerializer.serializeRequest([await sdkSpan({ deep: nested(100) })])!;
    const deep100Json = JsonTraceSerializer.serializeRequest([await sdkSpan({ deep: nested(100) })])!;
    const bomb = gzipSync(Buffer.alloc(64 * MiB));
    const objects = `{"resourceSpans":[],"x":[${'{},'.repeat(MAX_JSON_CONTAINERS)}{}]}`;
    const nearLimitProto = exportOf(10_000);
    const nearLimitJson = JSON.stringify(encodeOtlpJson(spansFromOtlpProtobuf(exportOf(6_000)), 'flood'));
    expect(nearLimitProto.length).toBeGreaterThan(LIMIT * 0.75);
    expect(nearLimitProto.length).toBeLessThan(LIMIT);
    expect(nearLimitJson.length).toBeGreaterThan(LIMIT * 0.75);
    expect(nearLimitJson.length).toBeLessThan(LIMIT);
    expect(objects.length).toBeLessThan(LIMIT);

    // A valid near-limit body retried as an OTLP exporter does on 503, once the budget has room again:
    // every one of them must end up accepted and stored.
    const untilAccepted = async (type: string, body: Uint8Array | string): Promise<Answer> => {
      for (;;) {
        const a = await answer(receiver, type, body);
        if (a.status !== 503) return a;
        while (receiver.bytesInFlight + Buffer.byteLength(body) > INFLIGHT) await nextTurn();
      }
    };

    // A sender that declares its body, sends a tenth of it, then a byte every 100 ms, and finishes only
    // once every other hostile request has been answered: slow but never idle, so it must be let
    // through, and its slowness must not hold anyone up.
    let othersAnswered!: () => void;
    const othersDone = new Promise<void>((resolve) => (othersAnswered = resolve));
    const slowBody = exportOf(200);
    const slow = (abort: boolean): Promise<Answer> =>
      new Promise((resolve) => {
        const req = httpRequest(`${receiver.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': PROTO, 'content-length': slowBody.length },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, message: '' }));
        });
        req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: err.code ?? err.name, message: err.message }));
        let at = Math.floor(slowBody.length / 10);
        req.write(slowBody.subarray(0, at));
        const trickle = setInterval(() => req.write(slowBody.subarray(at, ++at)), 100);
        void othersDone.then(() => {
          clearInterval(trickle);
          if (abort) req.destroy();
          else req.end(slowBody.subarray(at));
        });
      });
    // A sender that sends a tenth of its declared body and then nothing: cut off by the idle bound.
    const stalled = (): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${receiver.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': PROTO, 'content-length': slowBody.length },
        });
        req.on('response', (res) => {
          const body: Buffer[] = [];
          res.on('data', (c: Buffer) => body.push(c));
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode!, message: decodeRpcStatus(Buffer.concat(body)).message });
          });
        });
        req.on('error', reject);
        req.write(slowBody.subarray(0, Math.floor(slowBody.length / 10)));
      });

    const classes: HostileClass[] = [
      { name: 'kvlist 25 deep, protobuf', copies: 3, allowed: [200], send: () => answer(receiver, PROTO, deep25) },
      {
        name: 'kvlist 100 deep, protobuf',
        copies: 3,
        allowed: [400],
        message: /attribute "deep": value nests deeper than 32 levels/,
        send: () => answer(receiver, PROTO, deep100),
      },
      {
        name: 'kvlist 100 deep, JSON',
        copies: 3,
        allowed: [400],
        message: /JSON nests deeper than 144 levels/,
        send: () => answer(receiver, JSON_TYPE, deep100Json),
      },
      {
        name: 'over the limit, Content-Length',
        copies: 2,
        allowed: [413],
        message: /\(Content-Length\) is larger than the limit of 4194304 bytes/,
        send: () => answer(receiver, PROTO, Buffer.alloc(LIMIT + 1, 0x20)),
      },
      {
        name: 'over the limit, chunked',
        copies: 2,
        allowed: [413, 503],
        message: /body is larger than the limit of 4194304 bytes/,
        send: () => answer(receiver, PROTO, chunked(LIMIT + MiB)),
      },
      {
        name: 'gzip bomb',
        copies: 2,
        allowed: [413, 503],
        message: /gzip body decompresses to more than the limit/,
        send: () => answer(receiver, PROTO, bomb, { 'content-encoding': 'gzip' }),
      },
      {
        name: 'Content-Type text/plain',
        copies: 2,
        allowed: [415],
        message: /content-type "text\/plain" not supported/,
        send: () => answer(receiver, 'text/plain', deep25),
      },
      {
        name: 'Content-Encoding br',
        copies: 2,
        allowed: [415],
        message: /content-encoding "br" not supported/,
        send: () => answer(receiver, PROTO, deep25, { 'content-encoding': 'br' }),
      },
      {
        name: 'OTLP/JSON with a million objects',
        copies: 2,
        allowed: [413, 503],
        message: /holds more than 1000000 objects and arrays/,
        send: () => answer(receiver, JSON_TYPE, objects),
      },
      {
        name: 'truncated protobuf',
        copies: 2,
        allowed: [400],
        message: /protobuf body could not be decoded/,
        send: () => answer(receiver, PROTO, Buffer.from([0x0a, 0x30, 0x0a, 0x02])),
      },
      {
        name: 'near-limit bodies of zeros, many at once',
        copies: 12,
        allowed: [400, 503],
        message: /invalid field number 0/,
        send: () => answer(receiver, PROTO, Buffer.alloc(LIMIT - 1024)),
      },
      { name: 'near-limit valid protobuf, retried on 503', copies: 2, allowed: [200], send: () => untilAccepted(PROTO, nearLimitProto) },
      { name: 'near-limit valid JSON, retried on 503', copies: 2, allowed: [200], send: () => untilAccepted(JSON_TYPE, nearLimitJson) },
    ];

    // GIVEN small valid exports, one at a time, for as long as the flood lasts
    let flooding = true;
    const probes: { status: number; spanName: string; duringFlood: boolean }[] = [];
    const prober = (async () => {
      for (let i = 0; flooding; i++) {
        const spanName = `probe-${i}`;
        const span = await sdkSpan({ probe: i });
        const res = await post(
          receiver,
          PROTO,
          ProtobufTraceSerializer.serializeRequest([Object.create(span, { name: { value: spanName } })])!,
        );
        probes.push({ status: res.status, spanName, duringFlood: flooding });
      }
    })();

    // WHEN every hostile class is sent at once, while two slow senders trickle and two have stalled
    // (all four holding their declared bytes of the budget before the flood starts)
    const slowAnswers = [slow(false), slow(true)];
    const stalledAnswers = [stalled(), stalled()];
    while (receiver.bytesInFlight < 4 * slowBody.length) await nextTurn();
    const answers = await Promise.all(
      classes.map(async (c) => ({ c, answers: await Promise.all(Array.from({ length: c.copies }, () => c.send())) })),
    );
    othersAnswered();
    const [slowDone, slowAborted] = await Promise.all(slowAnswers);
    const stalledAnswered = await Promise.all(stalledAnswers);
    flooding = false;
    await prober;

    // THEN each hostile request got a status OTLP/HTTP allows for its class, with the reason or the retry hint
    for (const { c, answers: got } of answers) {
      for (const a of got) {
        // (class and status side by side, so that a failure names both)
        expect([c.name, c.allowed.includes(a.status) ? 'allowed' : a.status]).toEqual([c.name, 'allowed']);
        if (a.status === 503) {
          expect(a.retryAfter).toBe('1');
          expect(a.message).toMatch(/receiver overloaded/);
        } else if (c.message)
          expect({ class: c.name, message: a.message }).toEqual({ class: c.name, message: expect.stringMatching(c.message) });
      }
    }
    expect(slowDone.status).toBe(200);
    expect(typeof slowAborted.status).toBe('string'); // the client's own abort: no answer
    expect(stalledAnswered).toEqual(
      Array(2).fill({ status: 408, message: expect.stringMatching(new RegExp(`^no body bytes arrived for ${BODY_IDLE_MS} ms`)) }),
    );
    // AND every small export during the flood got 200 with its span stored
    expect(probes.filter((p) => p.duringFlood).length).toBeGreaterThan(0);
    expect(probes.filter((p) => p.status !== 200)).toEqual([]);
    const stored = new Set(receiver.traces().flatMap((t) => t.spans.map((s) => s.name)));
    expect(probes.map((p) => p.spanName).filter((n) => !stored.has(n))).toEqual([]);
    // AND the valid near-limit bodies and the slow one were stored whole (kvlist 25: 3 spans)
    expect(receiver.spansDropped).toBe(0);
    expect(receiver.spansReceived).toBe(probes.length + 3 + 2 * 10_000 + 2 * 6_000 + 200);
    // AND the budget is free again and the receiver serves as before
    while (receiver.bytesInFlight !== 0) await nextTurn();
    await expectServing(receiver);
  });

  test('a small export that arrives while a near-limit body is being decoded is answered before that body', async () => {
    receiver = await startOtlpReceiver({ port: 0 });
    const spans = 50_000;
    const big = exportOf(spans);
    const small = ProtobufTraceSerializer.serializeRequest([await sdkSpan({ small: true })])!;
    // A kept-alive connection for the small export, so that it needs no connect when its turn comes.
    const pool = new Pool(receiver.url, { connections: 1 });
    const send = async (body: Uint8Array | AsyncIterable<Uint8Array>) => {
      const res = await pool.request({ path: '/v1/traces', method: 'POST', headers: { 'content-type': PROTO }, body: body as never });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await send(small)).toBe(200);
    const order: string[] = [];
    // GIVEN a near-limit valid body, chunked, so that the bytes in flight say when the receiver has read all of it
    let bigAnswered = false;
    const bigAnswer = (async () => {
      const res = await request(`${receiver.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': PROTO },
        body: Readable.from([big.subarray(0, big.length >> 1), big.subarray(big.length >> 1)]),
      });
      order.push('big');
      bigAnswered = true;
      await res.body.dump();
      return res.statusCode;
    })();
    // (A receiver that decodes in one go frees the bytes in the same turn it has them all: then the
    // big answer comes first and the order below says so.)
    while (receiver.bytesInFlight < big.length && !bigAnswered) await nextTurn();
    // WHEN a one-span export follows once the receiver holds the whole body
    const smallAnswer = send(small).then((status) => (order.push('small'), status));
    // THEN it does not wait for the big body's decode (50 000 spans take many slices)
    expect(await Promise.all([bigAnswer, smallAnswer])).toEqual([200, 200]);
    expect(order).toEqual(['small', 'big']);
    expect(receiver.spansReceived).toBe(spans + 2);
    await pool.close();
  });
});
