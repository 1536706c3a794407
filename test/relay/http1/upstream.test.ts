import { classifyUpstreamError, Upstream, UpstreamError } from '../../../src/relay/http1/upstream';

describe('upstream failures', () => {
  test.each([
    ['ECONNREFUSED', 502],
    ['ECONNRESET', 502],
    ['ENOTFOUND', 502],
    ['response_headers_too_large', 502],
    ['invalid_response', 502],
    ['connect_timeout', 504],
    ['response_timeout', 504],
    ['body_timeout', 504],
  ])('%s → %d', (code, status) => {
    // GIVEN an upstream error WHEN classified THEN timeouts are 504, the rest 502, and the code is the error.type
    const failure = classifyUpstreamError(new UpstreamError(code, `upstream http://details:9080 failed (${code})`));
    expect(failure.status).toBe(status);
    expect(failure.type).toBe(code);
    expect(failure.message).toBe(`upstream http://details:9080 failed (${code})`);
  });

  test('the base path of an upstream URL prefixes the request target', async () => {
    const options = { connections: 1, connectTimeoutMs: 1000, responseTimeoutMs: 1000, maxHeaderBytes: 61440 };
    const plain = new Upstream(new URL('http://a:8080'), options);
    const prefixed = new Upstream(new URL('http://a:8080/api/'), options);
    expect(plain.path('/x?y=1')).toBe('/x?y=1');
    expect(prefixed.path('/x?y=1')).toBe('/api/x?y=1');
    expect(plain.host).toBe('a:8080');
    await Promise.all([plain.close(), prefixed.close()]);
  });
});
