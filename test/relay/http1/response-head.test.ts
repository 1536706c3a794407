import { parseResponseHead, type ResponseHead } from '../../../src/relay/http1/response-head';

function ok(head: string, method = 'GET'): ResponseHead {
  const parsed = parseResponseHead(head, method);
  if (typeof parsed === 'string') throw new Error(`unexpected error: ${parsed}`);
  return parsed;
}

describe('response heads', () => {
  test('nginx-shaped response: status, length framing, keep-alive; forwarded lines byte for byte minus Connection, Content-Length last', () => {
    const head = ok('HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 12\r\nContent-Type: text/plain\r\nConnection: keep-alive');
    expect(head).toMatchObject({ status: 200, framing: { kind: 'length', length: 12 }, keepAlive: true });
    expect(head.forward).toBe('Server: nginx/1.22.1\r\nContent-Type: text/plain\r\ncontent-length: 12\r\n');
  });

  test.each([
    // RFC 9112 §6.3: a client must never see Content-Length next to the framing the relay uses instead
    [
      'Transfer-Encoding and Content-Length: no Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nX-A: 1',
      'GET',
      'X-A: 1\r\n',
    ],
    [
      'a non-chunked coding (read to close): no Content-Length',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3',
      'GET',
      '',
    ],
    [
      'Connection naming Content-Length cannot remove the framing',
      'HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5',
      'GET',
      'content-length: 5\r\n',
    ],
    [
      'identical repeated Content-Length: one line',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5',
      'GET',
      'content-length: 5\r\n',
    ],
    ['HEAD keeps it as metadata', 'HTTP/1.1 200 OK\r\nContent-Length: 99', 'HEAD', 'content-length: 99\r\n'],
    ['304 keeps it as metadata', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10', 'GET', 'content-length: 10\r\n'],
    ['204 never carries one', 'HTTP/1.1 204 No Content\r\nContent-Length: 0', 'GET', ''],
  ])('Content-Length forwarded: %s', (_name, head, method, forward) => {
    expect(ok(head, method).forward).toBe(forward);
  });

  test('forwarded lines: every hop-by-hop field and each one Connection names are removed, repeated Set-Cookie kept in order', () => {
    // GIVEN upstream response fields with hop-by-hop ones between end-to-end ones
    const head = ok(
      'HTTP/1.1 200 OK\r\nConnection: x-secret\r\nX-Secret: s\r\nTransfer-Encoding: chunked\r\nKeep-Alive: t=5\r\nSet-Cookie: a=1\r\nUpgrade: h2c\r\nSet-Cookie: b=2\r\nProxy-Authenticate: Basic\r\nTrailer: X-T\r\nX-Last:  kept as sent ',
    );
    // THEN only end-to-end fields remain, names and values as received
    expect(head.forward).toBe('Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Last:  kept as sent \r\n');
  });

  test('a response with no fields forwards none; one whose fields are all hop-by-hop forwards none', () => {
    expect(ok('HTTP/1.1 204 No Content').forward).toBe('');
    expect(ok('HTTP/1.1 204 No Content\r\nConnection: close\r\nKeep-Alive: t=1').forward).toBe('');
  });

  test.each([
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', 'GET', 'chunked', true],
    [
      'TE overrides CL; the connection is not reused',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5',
      'GET',
      'chunked',
      false,
    ],
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
    ['obs-fold', 'HTTP/1.1 200 OK\r\nA: b\r\n c', /obsolete line folding/],
    ['a line without a colon', 'HTTP/1.1 200 OK\r\nnonsense', /without a colon/],
    ['status under 100', 'HTTP/1.1 099 Odd', /status 099 out of range/],
  ])('invalid: %s', (_name, head, reason) => {
    const parsed = parseResponseHead(head, 'GET');
    expect(typeof parsed).toBe('string');
    expect(parsed).toMatch(reason);
  });
});
