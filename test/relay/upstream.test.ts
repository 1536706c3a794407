import { classifyUpstreamError, Upstream } from '../../src/relay/upstream';

describe('upstream failures', () => {
  test.each([
    [{ code: 'ECONNREFUSED' }, 502, 'ECONNREFUSED', 'refused the connection (ECONNREFUSED)'],
    [{ code: 'UND_ERR_SOCKET' }, 502, 'UND_ERR_SOCKET', 'closed the connection before a complete response'],
    [{ code: 'ECONNRESET' }, 502, 'ECONNRESET', 'closed the connection before a complete response'],
    [{ code: 'ENOTFOUND' }, 502, 'ENOTFOUND', 'host name does not resolve'],
    [{ code: 'UND_ERR_HEADERS_OVERFLOW' }, 502, 'UND_ERR_HEADERS_OVERFLOW', 'response headers over the size limit'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 504, 'UND_ERR_CONNECT_TIMEOUT', 'connect timeout'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 504, 'UND_ERR_HEADERS_TIMEOUT', 'response timeout'],
    [{ code: 'UND_ERR_BODY_TIMEOUT' }, 504, 'UND_ERR_BODY_TIMEOUT', 'response body timeout'],
    // dual-stack connect failures arrive as an AggregateError without a code of their own
    [Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {}), 502, 'ECONNREFUSED', 'refused'],
    [new TypeError('boom'), 502, 'TypeError', 'failed (TypeError)'],
  ])('%j → %d', (err, status, type, message) => {
    // GIVEN an upstream error WHEN classified THEN the status, error.type and message follow
    const failure = classifyUpstreamError(err, 'http://details:9080');
    expect(failure.status).toBe(status);
    expect(failure.type).toBe(type);
    expect(failure.message).toContain('upstream http://details:9080');
    expect(failure.message).toContain(message);
  });

  test('the base path of an upstream URL prefixes the request target', async () => {
    const options = { connections: 1, connectTimeoutMs: 1000, responseTimeoutMs: 1000, maxHeaderBytes: 61440 };
    const plain = new Upstream(new URL('http://a:8080'), options);
    const prefixed = new Upstream(new URL('http://a:8080/api/'), options);
    expect(plain.path('/x?y=1')).toBe('/x?y=1');
    expect(prefixed.path('/x?y=1')).toBe('/api/x?y=1');
    await Promise.all([plain.close(), prefixed.close()]);
  });
});
