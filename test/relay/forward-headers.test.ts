import { buildClientResponseHeaders, buildUpstreamHeaders, originForm, traceHeaderPredicate } from '../../src/relay/forward-headers';
import { TRACE_HEADER_NAMES } from '../../src/propagation';

const isTrace = traceHeaderPredicate(TRACE_HEADER_NAMES);

function pairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i].toLowerCase(), flat[i + 1]]);
  return out;
}

describe('forward headers', () => {
  test('hop-by-hop fields and every Connection-named field are removed (RFC 9110 §7.6.1)', () => {
    // GIVEN a request with hop-by-hop fields
    const raw = ['Host', 'edge', 'Connection', 'keep-alive, X-Internal-Auth', 'connection', 'x-other', 'X-Internal-Auth', '1', 'X-Other', '2', 'Keep-Alive', 't=5', 'TE', 'trailers', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'Proxy-Authorization', 'Basic x', 'Proxy-Connection', 'x', 'Expect', '100-continue', 'Accept', '*/*'];
    // WHEN rebuilt for upstream
    const out = pairs(buildUpstreamHeaders(raw, isTrace, {}, { proto: 'http' }));
    // THEN only end-to-end fields remain (Host is set by the client library from the upstream URL)
    expect(out.map(([n]) => n)).toEqual(['accept', 'x-forwarded-proto', 'forwarded']);
  });

  test('trace headers are replaced, never appended, duplicates included', () => {
    // GIVEN two traceparent headers, B3, uberctx and x-request-id
    const raw = ['traceparent', '00-a-b-01', 'traceparent', '00-c-d-01', 'X-B3-TraceId', 'x', 'uberctx-user', 'bob', 'x-request-id', 'r', 'Accept', '*/*'];
    // WHEN rebuilt with an injected set
    const out = pairs(buildUpstreamHeaders(raw, isTrace, { traceparent: '00-new-01', 'x-request-id': 'r' }, { proto: 'http' }));
    // THEN each trace header appears once, with the injected value
    expect(out.filter(([n]) => n === 'traceparent')).toEqual([['traceparent', '00-new-01']]);
    expect(out.some(([n]) => n === 'x-b3-traceid' || n === 'uberctx-user')).toBe(false);
    expect(out.filter(([n]) => n === 'x-request-id')).toEqual([['x-request-id', 'r']]);
  });

  test('X-Forwarded-For and Forwarded get the socket peer appended; proto and host are kept when present', () => {
    const raw = ['X-Forwarded-For', '198.51.100.1', 'x-forwarded-for', '198.51.100.2', 'Forwarded', 'for=198.51.100.1', 'X-Forwarded-Proto', 'https', 'Host', 'shop.example'];
    const out = Object.fromEntries(pairs(buildUpstreamHeaders(raw, isTrace, {}, { peerAddress: '::1', host: 'shop.example', proto: 'http' })));
    expect(out['x-forwarded-for']).toBe('198.51.100.1, 198.51.100.2, ::1');
    expect(out.forwarded).toBe('for=198.51.100.1, for="[::1]";host="shop.example";proto=http');
    expect(out['x-forwarded-proto']).toBe('https');
    expect(out['x-forwarded-host']).toBe('shop.example');
  });

  test('response: hop-by-hop and Connection-named fields removed, Set-Cookie arrays kept', () => {
    const out = buildClientResponseHeaders({ connection: 'x-secret', 'x-secret': 's', 'transfer-encoding': 'chunked', 'keep-alive': 't=5', 'set-cookie': ['a=1', 'b=2'], 'content-length': '5' });
    expect(out).toEqual({ 'set-cookie': ['a=1', 'b=2'], 'content-length': '5' });
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
