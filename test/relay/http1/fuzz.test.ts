/**
 * The wire parsers never throw, whatever the bytes (seeded, so a failure replays): they answer with a
 * parsed head or a reason. The relay-level counterpart (garbage over real sockets) is in http1.test.ts.
 */
import { ChunkedScanner } from '../../../src/relay/http1/chunked';
import { isHeadError, parseRequestHead } from '../../../src/relay/http1/request-head';
import { parseResponseHead } from '../../../src/relay/http1/response-head';
import { mulberry32 } from '../../support/seeded-random';

/** Pieces that make near-valid heads likely, plus raw bytes. */
const PIECES = [
  'GET ',
  'POST ',
  '/',
  'GET / HTTP/1.0',
  'OPTIONS * HTTP/1.1',
  '*',
  ' HTTP/1.1',
  ' HTTP/1.0',
  'HTTP/1.1 200 OK',
  '\r\n',
  '\n',
  '\r',
  ':',
  ' ',
  '\t',
  'Host',
  'Content-Length',
  'Transfer-Encoding',
  'chunked',
  'Connection',
  'close',
  'Expect',
  '100-continue',
  '5',
  '-1',
  ',',
  'a',
  '\x00',
  '\x7f',
  '\xff',
  'traceparent',
];

function randomHead(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 30);
  for (let i = 0; i < n; i++)
    s += rand() < 0.85 ? PIECES[Math.floor(rand() * PIECES.length)] : String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

describe('wire parsers under random input', () => {
  test('request and response heads: 20 000 random heads, never a throw, always a head or a reason', () => {
    const rand = mulberry32(20261122);
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const head = randomHead(rand);
      const request = parseRequestHead(head);
      if (!isHeadError(request)) {
        parsed++;
        expect(request.lower).toHaveLength(request.raw.length / 2);
      } else expect(request.reason.length).toBeGreaterThan(0);
      const response = parseResponseHead(head, rand() < 0.5 ? 'GET' : 'HEAD');
      if (typeof response !== 'string') expect(response.status).toBeGreaterThanOrEqual(100);
    }
    // the generator reaches valid heads too, not only garbage
    expect(parsed).toBeGreaterThan(0);
  });

  test('chunked scanner: 5 000 random bodies in random pieces, never a throw, never past the buffer', () => {
    const rand = mulberry32(7);
    const alphabet = ['0', '5', 'a', 'F', 'g', ';', '=', '\r', '\n', '\r\n', 'x', ' ', '\t', '\x01'];
    for (let i = 0; i < 5000; i++) {
      let body = '';
      for (let j = Math.floor(rand() * 40); j > 0; j--) body += alphabet[Math.floor(rand() * alphabet.length)];
      const bytes = Buffer.from(body, 'latin1');
      const scanner = new ChunkedScanner(64);
      let at = 0;
      while (at < bytes.length && !scanner.done && !scanner.failed) {
        const piece = bytes.subarray(at, at + 1 + Math.floor(rand() * 8));
        const used = scanner.scan(piece, 0, (b, from, e) => expect(from <= e && e <= b.length).toBe(true));
        if (used < 0) break;
        expect(used).toBeLessThanOrEqual(piece.length);
        at += used;
      }
      if (scanner.failed) expect(scanner.error).toBeTruthy();
    }
  });
});
