/**
 * The embedded OTLP/HTTP receiver under hostile input, one class per test (docs/reliability.md, "OTLP
 * receiver"): every request gets its OTLP/HTTP status from a real client over loopback, and the receiver
 * keeps serving afterwards. Bodies come from the OpenTelemetry serializers where they can express the case.
 */
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { request } from 'undici';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startOtlpReceiver, type OtlpReceiver, type OtlpReceiverOptions } from '../../../src/verify/sources/otlp-receiver';
import { decodeRpcStatus, encodeExportRequest, ExportTraceServiceResponse } from '../../../src/verify/sources/otlp-proto';
import { MAX_ANY_VALUE_DEPTH, MAX_VALUES_PER_ATTRIBUTE } from '../../../src/verify/sources/otlp-limits';
import { MAX_JSON_CONTAINERS, MAX_JSON_DEPTH } from '../../../src/verify/sources/otlp-json-shape';
import { attributeText } from '../../../src/verify/attribute-text';
import type { AttributeValue } from '../../../src/verify/model';
import { expectServing, JSON_TYPE, nested, post, PROTO, sdkSpan } from '../helpers/otlp-export';

/** The depth of a decoded value: a scalar is 1. */
function depthOf(v: AttributeValue): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === 'object' && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 1;
}

describe('OTLP receiver under hostile input', () => {
  let receiver: OtlpReceiver;
  const warnings: string[] = [];
  const start = async (options: OtlpReceiverOptions = {}) => {
    await receiver?.close();
    receiver = await startOtlpReceiver({ port: 0, onWarning: (line) => warnings.push(line), ...options });
  };
  beforeEach(async () => {
    warnings.length = 0;
    await start();
  });
  afterEach(async () => {
    await receiver.close();
  });

  describe('deep AnyValue nesting', () => {
    test.each([
      ['protobuf', PROTO, ProtobufTraceSerializer],
      ['JSON', JSON_TYPE, JsonTraceSerializer],
    ])('%s: a kvlist nested 25 deep is stored as a structured map, its text form growing linearly', async (_name, type, serializer) => {
      const body = serializer.serializeRequest([await sdkSpan({ deep: nested(25) })])!;
      if (type === PROTO) expect(body.length).toBeLessThan(400);
      const res = await post(receiver, type, body);
      expect(res.status).toBe(200);
      const value = receiver.traces()[0]!.spans[0]!.attributes.deep!;
      expect(typeof value).toBe('object');
      expect(depthOf(value)).toBe(25);
      // Every level adds `{"a":` and `}`: no escaping that doubles per level.
      expect(attributeText(value)).toBe(`${'{"a":'.repeat(24)}"leaf"${'}'.repeat(24)}`);
    });

    test.each([
      ['protobuf', PROTO, ProtobufTraceSerializer],
      ['JSON', JSON_TYPE, JsonTraceSerializer],
    ])(
      '%s: the deepest allowed value is stored; one level more, and depth 100 (13 times), get 400 naming the attribute and the limit',
      async (_name, type, serializer) => {
        const atLimit = await post(receiver, type, serializer.serializeRequest([await sdkSpan({ deep: nested(MAX_ANY_VALUE_DEPTH) })])!);
        expect(atLimit.status).toBe(200);
        const over = await post(receiver, type, serializer.serializeRequest([await sdkSpan({ deep: nested(MAX_ANY_VALUE_DEPTH + 1) })])!);
        expect(over.status).toBe(400);
        expect(over.message).toMatch(new RegExp(`attribute "deep": value nests deeper than ${MAX_ANY_VALUE_DEPTH} levels`));
        const body = serializer.serializeRequest([await sdkSpan({ deep: nested(100) })])!;
        const answers = await Promise.all(Array.from({ length: 13 }, () => post(receiver, type, body)));
        expect(answers.map((a) => a.status)).toEqual(Array(13).fill(400));
        expect(receiver.spansReceived).toBe(1);
        await expectServing(receiver);
      },
    );

    test.each([
      ['protobuf', PROTO, ProtobufTraceSerializer],
      ['JSON', JSON_TYPE, JsonTraceSerializer],
    ])('%s: arrays count as nesting too, in span and event attributes alike', async (_name, type, serializer) => {
      const arrays = (depth: number): unknown => (depth <= 1 ? 1 : [arrays(depth - 1)]);
      const span = await sdkSpan({ list: arrays(MAX_ANY_VALUE_DEPTH) });
      expect((await post(receiver, type, serializer.serializeRequest([span])!)).status).toBe(200);
      expect(depthOf(receiver.traces()[0]!.spans[0]!.attributes.list!)).toBe(MAX_ANY_VALUE_DEPTH);
      const event = Object.create(span, {
        events: {
          value: [{ name: 'e', time: span.startTime, attributes: { deep: arrays(MAX_ANY_VALUE_DEPTH + 1) }, droppedAttributesCount: 0 }],
        },
        attributes: { value: {} },
      }) as ReadableSpan;
      const res = await post(receiver, type, serializer.serializeRequest([event])!);
      expect(res.status).toBe(400);
      expect(res.message).toMatch(/attribute "deep": value nests deeper than 32 levels/);
    });

    test('an attribute holding more values than allowed gets 400; a key named __proto__ stays a plain key', async () => {
      const wide = Array.from({ length: MAX_VALUES_PER_ATTRIBUTE + 1 }, (_, i) => i);
      const res = await post(receiver, PROTO, ProtobufTraceSerializer.serializeRequest([await sdkSpan({ wide })])!);
      expect(res.status).toBe(400);
      expect(res.message).toMatch(new RegExp(`attribute "wide": value holds more than ${MAX_VALUES_PER_ATTRIBUTE} values`));
      const proto = await post(
        receiver,
        JSON_TYPE,
        JsonTraceSerializer.serializeRequest([await sdkSpan(JSON.parse('{"m": {"__proto__": {"polluted": 1}}}'))])!,
      );
      expect(proto.status).toBe(200);
      const m = receiver.traces()[0]!.spans[0]!.attributes.m as Record<string, unknown>;
      expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
      expect(Object.keys(m)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('bodies over the limit', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x20);

    test('undici with Content-Length reads the 413 with Connection: close, and the receiver keeps serving', async () => {
      await start({ maxBodyBytes: 64 * 1024 });
      const res = await post(receiver, JSON_TYPE, big);
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe('close');
      expect(res.message).toMatch(/body of 3145728 bytes \(Content-Length\) is larger than the limit of 65536 bytes/);
      await expectServing(receiver);
    });

    test('a sender waiting for 100 Continue (as curl does above 1 MiB) gets the 413 instead, before sending its body; a fitting one gets 100 and 200', async () => {
      await start({ maxBodyBytes: 64 * 1024 });
      const send = (type: string, body: Uint8Array) =>
        new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
          let continued = false;
          const req = httpRequest(`${receiver.url}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': type, 'content-length': body.length, expect: '100-continue' },
          });
          req.on('continue', () => ((continued = true), req.end(body)));
          req.on('response', (res) => (res.resume(), res.on('end', () => resolve({ status: res.statusCode!, continued }))));
          req.on('error', reject);
          req.flushHeaders();
        });
      expect(await send(JSON_TYPE, big)).toEqual({ status: 413, continued: false });
      expect(await send(PROTO, ProtobufTraceSerializer.serializeRequest([await sdkSpan({ ok: true })])!)).toEqual({
        status: 200,
        continued: true,
      });
      expect(receiver.spansReceived).toBe(1);
    });

    test('undici streaming a chunked body (no Content-Length) reads the 413 as a protobuf Status', async () => {
      await start({ maxBodyBytes: 64 * 1024 });
      const chunks = function* () {
        for (let i = 0; i < 48; i++) yield Buffer.alloc(64 * 1024, 1);
      };
      const res = await request(`${receiver.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': PROTO },
        body: Readable.from(chunks()),
      });
      expect(res.statusCode).toBe(413);
      expect(decodeRpcStatus(Buffer.from(await res.body.arrayBuffer())).message).toMatch(/body is larger than the limit of 65536 bytes/);
      await expectServing(receiver);
    });

    test('node:http (what the OpenTelemetry exporters use) reads the 413 too', async () => {
      await start({ maxBodyBytes: 64 * 1024 });
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          `${receiver.url}/v1/traces`,
          { method: 'POST', headers: { 'content-type': JSON_TYPE, 'content-length': big.length } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, text }));
          },
        );
        req.on('error', reject);
        req.end(big);
      });
      expect(status).toBe(413);
      expect(text).toMatch(/larger than the limit/);
      await expectServing(receiver);
    });

    test('OTLP/JSON with more objects and arrays than allowed (under the byte limit) gets 413 before JSON.parse builds them', async () => {
      const objects = `{"resourceSpans":[],"x":[${'{},'.repeat(MAX_JSON_CONTAINERS)}{}]}`;
      expect(objects.length).toBeLessThan(20 * 1024 * 1024);
      const res = await post(receiver, JSON_TYPE, objects);
      expect(res.status).toBe(413);
      expect(res.message).toMatch(
        new RegExp(`OTLP/JSON body holds more than ${MAX_JSON_CONTAINERS} objects and arrays; split the batch or send protobuf`),
      );
      // braces inside strings are text, not objects
      const inStrings = JSON.stringify({ resourceSpans: [], x: '{['.repeat(MAX_JSON_CONTAINERS), y: '\\"{' });
      expect((await post(receiver, JSON_TYPE, inStrings)).status).toBe(200);
      await expectServing(receiver);
    });

    test('a gzip bomb (3 KiB expanding to 20 MiB) gets 413, not an allocation error', async () => {
      await start({ maxBodyBytes: 1024 * 1024 });
      const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const res = await post(receiver, PROTO, bomb, { 'content-encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(res.message).toMatch(/gzip body decompresses to more than the limit of 1048576 bytes/);
      await expectServing(receiver);
    });
  });

  describe('unsupported and malformed requests', () => {
    test.each([
      ['text/plain', {}, /content-type "text\/plain" not supported/],
      ['', {}, /content-type "" not supported/],
      [PROTO, { 'content-encoding': 'br' }, /content-encoding "br" not supported; use gzip or none/],
      [JSON_TYPE, { 'content-encoding': 'deflate' }, /content-encoding "deflate" not supported/],
    ])('content-type %j with %j gets 415', async (type, headers, message) => {
      const res = await post(
        receiver,
        type,
        ProtobufTraceSerializer.serializeRequest([await sdkSpan({})])!,
        headers as Record<string, string>,
      );
      expect(res.status).toBe(415);
      expect(res.message).toMatch(message);
      await expectServing(receiver);
    });

    test.each([
      ['truncated protobuf', PROTO, {}, () => Buffer.from([0x0a, 0x30, 0x0a, 0x02]), /protobuf body could not be decoded/],
      ['groups nested 100 000 deep', PROTO, {}, () => Buffer.alloc(100_000, 0x0b), /protobuf body could not be decoded/],
      [
        'a body of zeros (field number 0)',
        PROTO,
        {},
        () => Buffer.alloc(1024 * 1024),
        /protobuf body could not be decoded: invalid field number 0 at offset 0/,
      ],
      ['JSON cut short', JSON_TYPE, {}, () => '{"resourceSpans": [{"scopeSpans": [', /JSON body could not be decoded/],
      [
        'JSON nested past the bound in an unknown field',
        JSON_TYPE,
        {},
        () => `{"x":${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}}`,
        new RegExp(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`),
      ],
      ['gzip header on plain bytes', JSON_TYPE, { 'content-encoding': 'gzip' }, () => '{}', /gzip body could not be decompressed/],
      [
        'a gzip stream cut short',
        PROTO,
        { 'content-encoding': 'gzip' },
        () => gzipSync(Buffer.alloc(1000)).subarray(0, 20),
        /gzip body could not be decompressed/,
      ],
    ])('%s gets 400 with the reason', async (_what, type, headers, body, message) => {
      const res = await post(receiver, type, body(), headers as Record<string, string>);
      expect(res.status).toBe(400);
      expect(res.message).toMatch(message);
      await expectServing(receiver);
    });
  });

  test('bodies in flight beyond the budget get 503 with Retry-After; the budget frees when they end', async () => {
    await start({ maxBodyBytes: 600 * 1024, maxInflightBytes: 1200 * 1024 });
    // GIVEN two senders that each declared 500 KiB and are still sending
    const slowSender = () => {
      const req = httpRequest(`${receiver.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': PROTO, 'content-length': 500 * 1024 },
      });
      const answer = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => (res.resume(), resolve(res.statusCode!)));
        req.on('error', reject);
      });
      req.write(Buffer.alloc(1024));
      return { finish: () => req.end(Buffer.alloc(500 * 1024 - 1024)), answer };
    };
    const slow = [slowSender(), slowSender()];
    while (receiver.bytesInFlight < 1000 * 1024) await new Promise((r) => setImmediate(r));
    // WHEN a third 500 KiB arrives meanwhile
    const res = await post(receiver, PROTO, Buffer.alloc(500 * 1024, 0x0a));
    // THEN it is throttled the OTLP way (retryable, with a hint), and the slow ones still complete
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.message).toMatch(/receiver overloaded: 1024000 of 1228800 bytes of request bodies already in flight; retry later/);
    for (const s of slow) s.finish();
    expect(await Promise.all(slow.map((s) => s.answer))).toEqual([400, 400]); // zeros are no export request (field number 0)
    while (receiver.bytesInFlight !== 0) await new Promise((r) => setImmediate(r));
    await expectServing(receiver);
  });

  test('spans beyond the store cap are dropped, answered as partial success, counted, and warned about once', async () => {
    await start({ maxSpans: 5 });
    const id = (hex: string) => Buffer.from(hex, 'hex');
    const batch = (n: number, from: number) =>
      encodeExportRequest({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: Array.from({ length: n }, (_, i) => ({
                  traceId: id('0af7651916cd43dd8448eb211c80319c'),
                  spanId: id((from + i).toString(16).padStart(16, '0')),
                  name: `s${from + i}`,
                })),
              },
            ],
          },
        ],
      });
    const rejected = async (n: number, from: number) => {
      const res = await post(receiver, PROTO, batch(n, from));
      expect(res.status).toBe(200);
      const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.raw), { longs: Number }) as {
        partialSuccess?: { rejectedSpans: number; errorMessage: string };
      };
      return decoded.partialSuccess;
    };
    expect(await rejected(3, 1)).toBeUndefined();
    expect(await rejected(3, 4)).toMatchObject({ rejectedSpans: 1, errorMessage: expect.stringMatching(/span store full \(5 spans/) });
    expect((await rejected(3, 7))!.rejectedSpans).toBe(3);
    const json = await post(receiver, JSON_TYPE, JsonTraceSerializer.serializeRequest([await sdkSpan({})])!);
    expect(JSON.parse(json.raw.toString())).toMatchObject({ partialSuccess: { rejectedSpans: '1' } });
    expect(receiver.traces()[0]!.spans.map((s) => s.name)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(receiver.spansReceived).toBe(5);
    expect(receiver.spansDropped).toBe(5);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/OTLP receiver full .*dropping further spans.*--otlp-max-spans/);
    // clear() frees the store: spans are kept again
    receiver.clear();
    expect(await rejected(2, 20)).toBeUndefined();
  });

  test('the stored-bytes cap bounds spans that are few but large', async () => {
    await start({ maxStoredBytes: 64 * 1024 });
    const fat = ProtobufTraceSerializer.serializeRequest([await sdkSpan({ pad: 'x'.repeat(40 * 1024) })])!;
    expect((await post(receiver, PROTO, fat)).status).toBe(200);
    expect((await post(receiver, PROTO, fat)).status).toBe(200);
    expect(receiver.spansReceived).toBe(1);
    expect(receiver.spansDropped).toBe(1);
    expect(warnings).toHaveLength(1);
  });
});
