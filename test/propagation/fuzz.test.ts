/**
 * Garbage in, never an exception out: thousands of random and mutated header values through
 * every parser and through extract → childContext → inject, with a seeded PRNG so a failure
 * reproduces. Also round-trip properties for valid contexts in every format.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import {
  baggageMemberSize,
  childContext,
  explainTraceHeaders,
  extract,
  inject,
  parseB3Multi,
  parseB3Single,
  parseBaggage,
  parseJaegerBaggage,
  parseServerTimingTrace,
  parseTraceparent,
  parseTraceState,
  parseUberTraceId,
  serializeBaggageMember,
  type PropagationFormat,
  type TraceContext,
} from '../../src/propagation/index';
import { mulberry32 } from '../support/seeded-random';
import { RANDOM_IDS, randomSpanId, randomTraceId } from '../../src/random-ids';

const ALPHABET = '0123456789abcdefABCDEF-:%,=; \t@*/_.xyz\u00e9\u2713\ud800\u0000\r\n"\\';
const VALID = [
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  'foo=1,bar@v=2,1a=x',
  'k=v;p=1,j=%E2%9C%93',
  '4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1-05e3ac9a4f6e3b90',
  '4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:3',
  'a3ce929d0e0e4736%3A00f067aa0ba902b7%3A0%3A1',
];

function randomString(rnd: () => number, maxLength: number): string {
  const n = Math.floor(rnd() * maxLength);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
}

/** A valid header with 1-4 random edits (replace, insert, delete). */
function mutate(rnd: () => number, s: string): string {
  let out = s;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (out.length + 1));
    const ch = ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    const op = Math.floor(rnd() * 3);
    out =
      op === 0
        ? out.slice(0, at) + ch + out.slice(at + 1)
        : op === 1
          ? out.slice(0, at) + ch + out.slice(at)
          : out.slice(0, at) + out.slice(at + 1);
  }
  return out;
}

/** Half random strings, 40 % mutated valid headers, 10 % valid headers (for any header name). */
function garbage(rnd: () => number): string {
  const r = rnd();
  const valid = VALID[Math.floor(rnd() * VALID.length)];
  return r < 0.5 ? randomString(rnd, 80) : r < 0.9 ? mutate(rnd, valid) : valid;
}

const HEADER_NAMES = [
  'traceparent',
  'tracestate',
  'baggage',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'uber-trace-id',
  'uberctx-k',
  'x-request-id',
];
const ALL: PropagationFormat[] = ['w3c', 'b3multi', 'b3single', 'jaeger'];
const CASES = 5000;

describe('fuzz: no parser throws, no output header is invalid', () => {
  test(`${CASES} garbage values through every parser return undefined or a well-formed result`, () => {
    // GIVEN seeded garbage and mutated valid values
    const rnd = mulberry32(0x5eed);
    const bad: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const v = garbage(rnd);
      // WHEN parsed by every format  THEN nothing throws, and anything accepted is well-formed
      const tp = parseTraceparent(v);
      if (tp && !/^[0-9a-f]{32}$/.test(tp.traceId)) bad.push(`traceparent ${JSON.stringify(v)}`);
      const ts = parseTraceState([v, garbage(rnd)]);
      if (ts && ts.length > 32) bad.push(`tracestate ${JSON.stringify(v)}`);
      if (!Array.isArray(parseBaggage(v))) bad.push(`baggage ${JSON.stringify(v)}`);
      const single = parseB3Single(v);
      if (single?.context && !/^[0-9a-f]{16}$/.test(single.context.spanId)) bad.push(`b3 ${JSON.stringify(v)}`);
      parseB3Multi({ 'x-b3-traceid': v, 'x-b3-spanid': garbage(rnd), 'x-b3-sampled': garbage(rnd) });
      const j = parseUberTraceId(v);
      if (j && !/^[0-9a-f]{32}$/.test(j.traceId)) bad.push(`uber-trace-id ${JSON.stringify(v)}`);
      parseJaegerBaggage({ [`uberctx-${randomString(rnd, 5)}`]: v });
      explainTraceHeaders({
        traceparent: v,
        tracestate: [v, garbage(rnd)],
        b3: v,
        'x-b3-traceid': v,
        'x-b3-sampled': garbage(rnd),
        'uber-trace-id': v,
      });
      const st = parseServerTimingTrace(`trace;desc=${v}, ${garbage(rnd)}`);
      if (st && !/^[0-9a-f]{16}$/.test(st.spanId)) bad.push(`server-timing ${JSON.stringify(v)}`);
    }
    expect(bad).toEqual([]);
  });

  test(`${CASES} garbage requests through extract → childContext → inject give headers Node accepts`, () => {
    const rnd = mulberry32(0xbadc0de);
    let contexts = 0;
    const bad: string[] = [];
    for (let i = 0; i < CASES; i++) {
      // GIVEN a request with 1-6 random trace headers, some repeated
      const headers: Record<string, string | string[]> = {};
      const count = 1 + Math.floor(rnd() * 6);
      for (let h = 0; h < count; h++) {
        const name = HEADER_NAMES[Math.floor(rnd() * HEADER_NAMES.length)];
        headers[name] = rnd() < 0.2 ? [garbage(rnd), garbage(rnd)] : garbage(rnd);
      }
      // WHEN a hop processes it
      const ex = extract(headers);
      if (ex.context) contexts++;
      const out = inject({
        context: childContext(RANDOM_IDS, ex.context, ex.samplingOnly),
        baggage: ex.baggage,
        passthrough: ex.passthrough,
        formats: ALL,
      });
      // THEN every header it writes is one Node's http module would send
      for (const [name, value] of Object.entries(out)) {
        try {
          validateHeaderName(name);
          validateHeaderValue(name, value);
        } catch (err) {
          bad.push(`${name}: ${JSON.stringify(value)} (${(err as Error).message}) from ${JSON.stringify(headers)}`);
        }
      }
      if (!/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/.test(out.traceparent)) bad.push(`traceparent ${out.traceparent}`);
    }
    expect(bad).toEqual([]);
    // AND the mutations were not all rejected (the fuzz reaches the accepting paths too)
    expect(contexts).toBeGreaterThan(100);
  });
});

describe('round trip: what a format writes, it reads back unchanged', () => {
  const rnd = mulberry32(42);
  const decisions = [
    { sampling: 'sampled', debug: false },
    { sampling: 'not-sampled', debug: false },
    { sampling: 'sampled', debug: true },
  ] as const;

  test.each(['w3c', 'b3multi', 'b3single', 'jaeger'] as const)('%s: 1000 random contexts', (format) => {
    for (let i = 0; i < 1000; i++) {
      // GIVEN a random context (64- or 128-bit, with a parent, any decision)
      const bits = format !== 'w3c' && rnd() < 0.5 ? 64 : 128;
      const d = decisions[Math.floor(rnd() * decisions.length)];
      const ctx: TraceContext = {
        traceId: bits === 64 ? '0000000000000000' + randomTraceId().slice(16) : randomTraceId(),
        traceIdBits: bits,
        spanId: randomSpanId(),
        parentSpanId: format === 'w3c' ? undefined : randomSpanId(),
        sampling: d.sampling,
        debug: format === 'w3c' ? false : d.debug,
        random: format === 'w3c' ? rnd() < 0.5 : false,
        traceState: format === 'w3c' && rnd() < 0.5 ? [{ key: 'vendor@x', value: 'v' + i }] : undefined,
        source: format,
      };
      // WHEN written and read back
      const back = extract(inject({ context: ctx, formats: [format] })).context;
      // THEN nothing is lost (W3C has no debug bit and no parent; B3/Jaeger no random bit)
      expect(back).toEqual(ctx);
    }
  });
});

describe('baggage size arithmetic', () => {
  test('baggageMemberSize equals the byte length of the serialized member for 2000 random members', () => {
    // GIVEN random values mixing ASCII, encoded characters, BMP, astral and lone surrogates
    const rnd = mulberry32(7);
    const chars = ['a', 'Z', '%', ' ', ',', ';', '"', '\\', '\u00e9', '\u2713', '\ud83d\ude00', '\ud800', '\udc00', '~', '='];
    const bad: string[] = [];
    for (let i = 0; i < 2000; i++) {
      let value = '';
      const n = Math.floor(rnd() * 12);
      for (let j = 0; j < n; j++) value += chars[Math.floor(rnd() * chars.length)];
      const entry = rnd() < 0.3 ? { key: 'k', value, properties: ['p=1', 'q'] } : { key: 'k', value };
      // WHEN sized without serializing  THEN it is the serialized byte length
      const expected = Buffer.byteLength(serializeBaggageMember(entry));
      if (baggageMemberSize(entry) !== expected) bad.push(`${JSON.stringify(value)}: ${baggageMemberSize(entry)} != ${expected}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('untyped callers', () => {
  test('extract of null, a string or a number reads nothing and does not throw', () => {
    for (const bad of [null, undefined, 'traceparent', 42]) {
      expect(extract(bad as never)).toEqual({ baggage: [], formatsSeen: [], formatsInvalid: [], passthrough: {} });
    }
  });

  test('inject without formats writes only the passthrough headers', () => {
    expect(inject({ context: childContext(RANDOM_IDS, undefined), passthrough: { 'x-request-id': 'r1' } } as never)).toEqual({
      'x-request-id': 'r1',
    });
  });

  test('extract of non-string header values ignores them', () => {
    expect(extract({ traceparent: 5 as never, b3: {} as never, 'uber-trace-id': [] }).context).toBeUndefined();
  });
});
