import { parseResponseHead, type ResponseHead } from '../../../src/relay/wire/response-head';

function ok(head: string, method = 'GET'): ResponseHead {
  const parsed = parseResponseHead(head, method);
  if (typeof parsed === 'string') throw new Error(`unexpected error: ${parsed}`);
  return parsed;
}

describe('response heads', () => {
  test('nginx-shaped response: status, pairs, lowercase names, length framing, keep-alive', () => {
    const head = ok('HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: keep-alive');
    expect(head).toMatchObject({ status: 200, framing: { kind: 'length', length: 12 }, keepAlive: true });
    expect(head.lower).toEqual(['server', 'content-type', 'content-length', 'connection']);
    expect(head.raw[1]).toBe('nginx/1.22.1');
  });

  test.each([
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', 'GET', 'chunked', true],
    ['TE overrides CL; the connection is not reused', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5', 'GET', 'chunked', false],
    ['TE without final chunked: read to close', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip', 'GET', 'close', false],
    ['neither CL nor TE: read to close', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain', 'GET', 'close', false],
    ['HEAD has no body whatever CL says', 'HTTP/1.1 200 OK\r\nContent-Length: 99', 'HEAD', 'none', true],
    ['204 has no body', 'HTTP/1.1 204 No Content', 'GET', 'none', true],
    ['304 has no body', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10', 'GET', 'none', true],
    ['Content-Length: 0', 'HTTP/1.1 200 OK\r\nContent-Length: 0', 'GET', 'none', true],
    ['HTTP/1.0 without keep-alive', 'HTTP/1.0 200 OK\r\nContent-Length: 1', 'GET', 'length', false],
    ['HTTP/1.0 with keep-alive', 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive', 'GET', 'length', true],
    ['Connection: close', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close', 'GET', 'length', false],
  ])('framing: %s', (_name, head, method, kind, keepAlive) => {
    const parsed = ok(head, method);
    expect(parsed.framing.kind).toBe(kind);
    expect(parsed.keepAlive).toBe(keepAlive);
  });

  test('a status line without a reason phrase is accepted; 1xx parses (the caller skips it)', () => {
    expect(ok('HTTP/1.1 200\r\nContent-Length: 0').status).toBe(200);
    expect(ok('HTTP/1.1 100 Continue').status).toBe(100);
  });

  test.each([
    ['garbage status line', 'HTTP/1.1 OK', /malformed status line/],
    ['HTTP/2 status line', 'HTTP/2 200', /malformed status line/],
    ['two-digit status', 'HTTP/1.1 20 OK', /malformed status line/],
    ['different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2', /two different Content-Length/],
    ['non-numeric Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: abc', /is not a decimal length/],
    ['bare LF', 'HTTP/1.1 200 OK\r\nA: b\nC: d', /bare CR or LF/],
    ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 1', /malformed header name/],
  ])('invalid: %s', (_name, head, reason) => {
    const parsed = parseResponseHead(head, 'GET');
    expect(typeof parsed).toBe('string');
    expect(parsed).toMatch(reason);
  });
});
