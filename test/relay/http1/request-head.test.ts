import { isHeadError, parseRequestHead, type HeadError, type RequestHead } from '../../../src/relay/http1/request-head';

function ok(head: string): RequestHead {
  const parsed = parseRequestHead(head);
  if (isHeadError(parsed)) throw new Error(`unexpected error: ${parsed.reason}`);
  return parsed;
}

function refused(head: string): HeadError {
  const parsed = parseRequestHead(head);
  if (!isHeadError(parsed)) throw new Error('expected a refusal');
  return parsed;
}

describe('request heads', () => {
  test('a plain request: names keep their case, values lose OWS, lowercase names line up with the pairs', () => {
    const head = ok('GET /a?b=1 HTTP/1.1\r\nHost: edge:8080\r\nX-Thing:  padded \t\r\nUser-Agent: curl/8\r\ntraceparent: 00-x');
    expect(head).toMatchObject({
      method: 'GET',
      target: '/a?b=1',
      version: '1.1',
      host: 'edge:8080',
      userAgent: 'curl/8',
      contentLength: -1,
      chunked: false,
      keepAlive: true,
      expectContinue: false,
    });
    expect(head.raw).toEqual(['Host', 'edge:8080', 'X-Thing', 'padded', 'User-Agent', 'curl/8', 'traceparent', '00-x']);
    expect(head.lower).toEqual(['host', 'x-thing', 'user-agent', 'traceparent']);
  });

  test('empty values and a value with inner spaces and obs-text are kept', () => {
    const head = ok('GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Text: caf\xe9 au lait');
    expect(head.raw).toEqual(['Host', 'a', 'X-Empty', '', 'X-Text', 'caf\xe9 au lait']);
  });

  test.each([
    ['HTTP/1.1 default', 'GET / HTTP/1.1\r\nHost: a', true],
    ['HTTP/1.1 Connection: close', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Close', false],
    ['HTTP/1.0 default', 'GET / HTTP/1.0', false],
    ['HTTP/1.0 Connection: keep-alive', 'GET / HTTP/1.0\r\nConnection: keep-alive', true],
  ])('keep-alive: %s', (_name, head, keepAlive) => {
    expect(ok(head).keepAlive).toBe(keepAlive);
  });

  test('Connection tokens are collected across repeated headers, lowercase', () => {
    expect([...ok('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-A\r\nconnection: x-b').connectionTokens!]).toEqual([
      'keep-alive',
      'x-a',
      'x-b',
    ]);
  });

  test('body framing: Content-Length (repeated equal values accepted), chunked, none', () => {
    expect(ok('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5').contentLength).toBe(5);
    expect(ok('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5').contentLength).toBe(5);
    expect(ok('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked')).toMatchObject({ chunked: true, contentLength: -1 });
    expect(ok('GET / HTTP/1.1\r\nHost: a')).toMatchObject({ chunked: false, contentLength: -1 });
  });

  test('Expect: 100-continue is recognised (HTTP/1.1 only); other expectations get 417', () => {
    expect(ok('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: 100-Continue').expectContinue).toBe(true);
    expect(refused('POST / HTTP/1.1\r\nHost: a\r\nExpect: something-else')).toMatchObject({ status: 417 });
  });

  test.each([
    ['request line without version', 'GET /', 400, /malformed request line/],
    ['lowercase http version', 'GET / http/1.1\r\nHost: a', 400, /malformed request line/],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\nHost: a', 400, /malformed request line/],
    ['HTTP/2.0 over HTTP/1 framing', 'GET / HTTP/2.0\r\nHost: a', 505, /HTTP\/2\.0 is not supported/],
    ['space before colon', 'GET / HTTP/1.1\r\nHost: a\r\nX-A : b', 400, /malformed header name "X-A "/],
    ['no colon', 'GET / HTTP/1.1\r\nHost: a\r\nnonsense', 400, /without a colon/],
    ['empty header name', 'GET / HTTP/1.1\r\nHost: a\r\n: v', 400, /malformed header name/],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c', 400, /obsolete line folding/],
    ['bare LF', 'GET / HTTP/1.1\r\nHost: a\nX-A: b', 400, /bare CR or LF/],
    ['bare CR', 'GET / HTTP/1.1\r\nHost: a\rX-A: b', 400, /bare CR or LF/],
    ['NUL in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c', 400, /control character 0x00/],
    ['missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\nAccept: */*', 400, /missing Host/],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b', 400, /more than one Host/],
    ['non-numeric Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5x', 400, /Content-Length "5x"/],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1', 400, /Content-Length "-1"/],
    ['comma list Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5', 400, /Content-Length "5, 5"/],
    [
      'different Content-Lengths',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 40',
      400,
      /two different Content-Length values \(3 and 40\)/,
    ],
    [
      'CL + TE',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked',
      400,
      /both Content-Length and Transfer-Encoding/,
    ],
    ['TE not ending in chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity', 400, /does not end in chunked/],
    [
      'TE split over two headers, chunked first',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip',
      400,
      /does not end in chunked/,
    ],
    ['TE gzip, chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked', 501, /allowed: chunked/],
    ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked', 400, /HTTP\/1\.0/],
  ])('refused: %s', (_name, head, status, reason) => {
    const error = refused(head);
    expect(error.status).toBe(status);
    expect(error.reason).toMatch(reason);
  });

  test('a reason quotes the offending value, cut to a readable length', () => {
    const error = refused(`GET / HTTP/1.1\r\nHost: a\r\n${'x'.repeat(200)}`);
    expect(error.reason.length).toBeLessThan(120);
    expect(error.reason).toContain('…');
  });
});
