import { buildUpstreamHead, headerClassifier, originForm, type UpstreamHeadInput } from '../../../src/relay/http1/forward-headers';
import { TRACE_HEADER_NAMES } from '../../../src/propagation';
import { connectionTokenSet } from '../../../src/relay/http1/fields';

const classify = headerClassifier(TRACE_HEADER_NAMES);

/** Builds the upstream head for a client's raw headers and reads it back as lowercase name/value pairs. */
function upstreamHead(raw: string[], more: Partial<UpstreamHeadInput> = {}): { text: string; pairs: Array<[string, string]> } {
  const lower: string[] = [];
  let connection: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    lower.push(raw[i].toLowerCase());
    if (raw[i].toLowerCase() === 'connection') connection = new Set([...(connection ?? []), ...connectionTokenSet(raw[i + 1])]);
  }
  const text = buildUpstreamHead(
    { method: 'GET', path: '/', host: 'up:80', raw, lower, connection, injected: {}, forwarded: { proto: 'http' }, framing: -1, ...more },
    classify,
  );
  const lines = text.split('\r\n').slice(1, -2);
  return { text, pairs: lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 2)]) };
}

describe('forward headers', () => {
  test('hop-by-hop fields and every Connection-named field are removed (RFC 9110 §7.6.1)', () => {
    // GIVEN a request with hop-by-hop fields
    const raw = [
      'Host',
      'edge',
      'Connection',
      'keep-alive, X-Internal-Auth',
      'connection',
      'x-other',
      'X-Internal-Auth',
      '1',
      'X-Other',
      '2',
      'Keep-Alive',
      't=5',
      'TE',
      'trailers',
      'Transfer-Encoding',
      'chunked',
      'Upgrade',
      'h2c',
      'Proxy-Authorization',
      'Basic x',
      'Proxy-Connection',
      'x',
      'Expect',
      '100-continue',
      'Accept',
      '*/*',
    ];
    // WHEN rebuilt for upstream
    const { pairs } = upstreamHead(raw);
    // THEN only end-to-end fields remain, after the upstream's own Host
    expect(pairs.map(([n]) => n)).toEqual(['host', 'accept', 'x-forwarded-proto', 'forwarded']);
    expect(pairs[0]).toEqual(['host', 'up:80']);
  });

  test('an X-Forwarded field the client lists in Connection is dropped; the hop still adds its own', () => {
    const raw = [
      'Connection',
      'X-Forwarded-Host, X-Forwarded-For',
      'X-Forwarded-Host',
      'evil.example',
      'X-Forwarded-For',
      '6.6.6.6',
      'Host',
      'client.example',
    ];
    const { pairs } = upstreamHead(raw, { forwarded: { proto: 'http', peerAddress: '10.0.0.7', host: 'client.example' } });
    expect(pairs.filter(([n]) => n.startsWith('x-forwarded'))).toEqual([
      ['x-forwarded-for', '10.0.0.7'],
      ['x-forwarded-proto', 'http'],
      ['x-forwarded-host', 'client.example'],
    ]);
  });

  test('trace headers are replaced, never appended, duplicates included', () => {
    // GIVEN two traceparent headers, B3, uberctx and x-request-id
    const raw = [
      'traceparent',
      '00-a-b-01',
      'traceparent',
      '00-c-d-01',
      'X-B3-TraceId',
      'x',
      'uberctx-user',
      'bob',
      'x-request-id',
      'r',
      'Accept',
      '*/*',
    ];
    // WHEN rebuilt with an injected set
    const { pairs } = upstreamHead(raw, { injected: { traceparent: '00-new-01', 'x-request-id': 'r' } });
    // THEN each trace header appears once, with the injected value
    expect(pairs.filter(([n]) => n === 'traceparent')).toEqual([['traceparent', '00-new-01']]);
    expect(pairs.some(([n]) => n === 'x-b3-traceid' || n === 'uberctx-user')).toBe(false);
    expect(pairs.filter(([n]) => n === 'x-request-id')).toEqual([['x-request-id', 'r']]);
  });

  test('X-Forwarded-For and Forwarded get the socket peer appended; proto and host are kept when present', () => {
    const raw = [
      'X-Forwarded-For',
      '198.51.100.1',
      'x-forwarded-for',
      '198.51.100.2',
      'Forwarded',
      'for=198.51.100.1',
      'X-Forwarded-Proto',
      'https',
      'Host',
      'shop.example',
    ];
    const out = Object.fromEntries(upstreamHead(raw, { forwarded: { peerAddress: '::1', host: 'shop.example', proto: 'http' } }).pairs);
    expect(out['x-forwarded-for']).toBe('198.51.100.1, 198.51.100.2, ::1');
    expect(out.forwarded).toBe('for=198.51.100.1, for="[::1]";host="shop.example";proto=http');
    expect(out['x-forwarded-proto']).toBe('https');
    expect(out['x-forwarded-host']).toBe('shop.example');
  });

  test('request head: the upstream Host first, the body framing last, a client Content-Length never passed through', () => {
    // GIVEN a client request with its own Content-Length
    const raw = ['Host', 'edge', 'Content-Length', '3', 'Accept', '*/*'];
    // WHEN the head is serialized for each framing
    const withLength = upstreamHead(raw, { method: 'POST', path: '/a', host: 'details:9080', framing: 3 }).text;
    const chunked = upstreamHead(raw, { method: 'POST', path: '/a', host: 'details:9080', framing: 'chunked' }).text;
    const none = upstreamHead(raw, { path: '/a', host: 'details:9080', framing: -1 }).text;
    // THEN exactly one framing field, and none for a body-less request
    expect(withLength).toMatch(/^POST \/a HTTP\/1\.1\r\nhost: details:9080\r\nAccept: \*\/\*\r\n.*content-length: 3\r\n\r\n$/s);
    expect(withLength.match(/content-length/gi)).toHaveLength(1);
    expect(chunked).toContain('transfer-encoding: chunked\r\n\r\n');
    expect(chunked).not.toMatch(/content-length/i);
    expect(none).not.toMatch(/content-length|transfer-encoding/i);
  });

  test.each([
    ['/a?b=1', '/a?b=1'],
    ['//double', '//double'],
    ['http://other.example/x?y=1', '/x?y=1'],
    ['HTTPS://other.example', '/'],
    ['*', undefined],
    ['other.example:443', undefined],
    ['x', undefined],
  ])('origin-form of %s', (target, expected) => {
    expect(originForm(target)).toBe(expected);
  });
});
