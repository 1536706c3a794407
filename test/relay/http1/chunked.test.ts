import { ChunkedScanner } from '../../../src/relay/http1/chunked';
import { mulberry32 } from '../../support/seeded-random';

/** Scans `body` split into pieces at every index in `cuts`; returns bytes used, data seen, and the scanner. */
function scanInPieces(body: string, cuts: number[] = [], tail = ''): { used: number; data: string; scanner: ChunkedScanner } {
  const scanner = new ChunkedScanner(1024);
  const bytes = Buffer.from(body + tail, 'latin1');
  const points = [0, ...cuts, bytes.length];
  let used = 0;
  let data = '';
  for (let i = 0; i + 1 < points.length && !scanner.done && !scanner.failed; i++) {
    const piece = bytes.subarray(points[i], points[i + 1]);
    const n = scanner.scan(piece, 0, (b, s, e) => (data += b.toString('latin1', s, e)));
    if (n < 0) return { used: -1, data, scanner };
    used += n;
  }
  return { used, data, scanner };
}

const BODY = '5\r\nhello\r\n6;name=value\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('chunked body scanner', () => {
  test('finds the end of the body and the chunk data, stopping before the next message', () => {
    // GIVEN a chunked body with an extension and a trailer, followed by a pipelined request
    const { used, data, scanner } = scanInPieces(BODY, [], 'GET /next HTTP/1.1\r\n');
    // THEN the body ends exactly after its final CRLF and the data is the payload
    expect(scanner.done).toBe(true);
    expect(used).toBe(BODY.length);
    expect(data).toBe('hello world');
  });

  test('the same result whatever the read boundaries (every split point)', () => {
    for (let cut = 1; cut < BODY.length; cut++) {
      const { used, data, scanner } = scanInPieces(BODY, [cut]);
      expect([cut, scanner.done, used, data]).toEqual([cut, true, BODY.length, 'hello world']);
    }
  });

  test('byte by byte', () => {
    const { used, data, scanner } = scanInPieces(
      BODY,
      Array.from({ length: BODY.length - 1 }, (_, i) => i + 1),
    );
    expect([scanner.done, used, data]).toEqual([true, BODY.length, 'hello world']);
  });

  test('whitespace before an extension (BWS) is accepted', () => {
    const body = '5 ;a=b\r\nhello\r\n5\t\r\nworld\r\n0\r\n\r\n';
    expect(scanInPieces(body)).toMatchObject({ used: body.length, data: 'helloworld' });
  });

  test('uppercase hex sizes and no trailer', () => {
    const body = 'A\r\n0123456789\r\n0\r\n\r\n';
    expect(scanInPieces(body)).toMatchObject({ used: body.length, data: '0123456789' });
  });

  test.each([
    ['non-hex size', 'x\r\nhello\r\n0\r\n\r\n', /invalid byte 0x78 in a chunk size/],
    ['empty size', '\r\nhello\r\n0\r\n\r\n', /invalid byte 0xd in a chunk size/],
    ['size over 13 hex digits', `${'f'.repeat(14)}\r\n`, /over 13 hex digits/],
    ['data longer than its size', '3\r\nhello\r\n0\r\n\r\n', /chunk data longer than its size/],
    ['LF without CR after the size', '5\nhello\r\n0\r\n\r\n', /invalid byte 0xa/],
    ['CR without LF after the data', '5\r\nhello\rX0\r\n\r\n', /not ended by CRLF/],
    ['control character in an extension', '5;a=\x01\r\nhello\r\n0\r\n\r\n', /control character in a chunk extension/],
    ['bare LF in a trailer', '0\r\nX: a\nY: b\r\n\r\n', /control character in a trailer/],
    // RFC 9112 §7.1.1: after the size only BWS ";" extensions; two parsers may read `5 junk` differently
    ['words after the size', '5 junk\r\nhello\r\n0\r\n\r\n', /invalid byte 0x6a after a chunk size; allowed: ";"/],
    ['a trailer line without a colon', '0\r\nnonsense\r\n\r\n', /a trailer line without a colon/],
    ['a folded trailer line', '0\r\nX: a\r\n b\r\n\r\n', /obsolete line folding in a trailer/],
  ])('malformed: %s', (_name, body, reason) => {
    const { used, scanner } = scanInPieces(body);
    expect(used).toBe(-1);
    expect(scanner.failed).toBe(true);
    expect(scanner.error).toMatch(reason);
  });

  test('trailers over the limit are refused', () => {
    const { used, scanner } = scanInPieces(`0\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
    expect(used).toBe(-1);
    expect(scanner.error).toMatch(/trailers over 1024 bytes/);
  });

  test('an incomplete body is neither done nor failed', () => {
    const { used, scanner } = scanInPieces('5\r\nhel');
    expect([used, scanner.done, scanner.failed]).toEqual([6, false, false]);
  });
});

describe('chunked body re-framing', () => {
  /** Re-frames `body` cut at every index in `cuts`; returns the framed output (latin1). */
  function reframe(body: string, cuts: number[]): string {
    const scanner = new ChunkedScanner(1024);
    const bytes = Buffer.from(body, 'latin1');
    const points = [0, ...cuts, bytes.length];
    let out = '';
    for (let i = 0; i + 1 < points.length; i++) {
      const framed: Buffer[] = [];
      expect(scanner.scan(bytes.subarray(points[i], points[i + 1]), 0, undefined, framed)).toBeGreaterThanOrEqual(0);
      out += framed.map((b) => b.toString('latin1')).join('');
    }
    expect(scanner.done).toBe(true);
    return out;
  }

  const ODD =
    '005 \r\nhello\r\n6\t;a="b c";d\r\n world\r\n000;e\r\nX-Sum: 1\r\nContent-Length: 9\r\nTraceparent: x\r\nset-cookie: s\r\n\r\n';
  const CANONICAL = '5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n';

  test('size lines lose BWS, extensions and leading zeros; forbidden trailers are dropped and named', () => {
    const scanner = new ChunkedScanner(1024);
    const framed: Buffer[] = [];
    scanner.scan(Buffer.from(ODD, 'latin1'), 0, undefined, framed);
    expect(Buffer.concat(framed).toString('latin1')).toBe(CANONICAL);
    expect(scanner.dropped).toEqual(['content-length', 'traceparent', 'set-cookie']);
  });

  test('the output is the same wherever the input is cut (every single cut, and 200 random multi-cuts)', () => {
    for (let cut = 1; cut < ODD.length; cut++) expect(reframe(ODD, [cut])).toBe(CANONICAL);
    const rand = mulberry32(7);
    for (let i = 0; i < 200; i++) {
      const cuts = [...new Set(Array.from({ length: 5 }, () => 1 + Math.floor(rand() * (ODD.length - 1))))].sort((a, b) => a - b);
      expect(reframe(ODD, cuts)).toBe(CANONICAL);
    }
  });

  test('a body without trailers ends in the shared last chunk; a trailer name with a space is refused', () => {
    expect(reframe('3\r\nabc\r\n0\r\n\r\n', [])).toBe('3\r\nabc\r\n0\r\n\r\n');
    const scanner = new ChunkedScanner(1024);
    expect(scanner.scan(Buffer.from('0\r\nBad Name: v\r\n\r\n', 'latin1'), 0, undefined, [])).toBe(-1);
    expect(scanner.error).toMatch(/malformed trailer field name/);
  });
});
