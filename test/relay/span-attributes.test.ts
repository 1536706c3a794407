import { request } from 'undici';
import { bounded, clientSpanStart, MAX_ATTRIBUTE_LENGTH, pathOnly, serverSpanStart, splitHost } from '../../src/relay/span-attributes';
import { startRelay } from '../../src/relay';
import { startJsonReceiver } from './helpers/otlp-json-receiver';

describe('span attributes', () => {
  test('server span: HTTP semconv names, path without query, bounded values', () => {
    // GIVEN a request with a long path and a query
    const { name, attributes } = serverSpanStart(
      {
        method: 'POST',
        target: `/${'p'.repeat(400)}?q=secret`,
        host: 'shop.example:8080',
        peerAddress: '10.0.0.9',
        peerPort: 5555,
        userAgent: 'curl/8',
        httpVersion: '1.1',
      },
      { 'lab.step': '01' },
    );
    // THEN the semconv attributes are set and bounded
    expect(name).toBe('POST');
    expect(attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'server.address': 'shop.example',
      'server.port': 8080,
      'network.peer.address': '10.0.0.9',
      'network.peer.port': 5555,
      'network.protocol.version': '1.1',
      'user_agent.original': 'curl/8',
      'lab.step': '01',
    });
    expect((attributes['url.path'] as string).length).toBe(MAX_ATTRIBUTE_LENGTH);
    expect(JSON.stringify(attributes)).not.toContain('secret');
  });

  test('unknown methods are _OTHER with the original kept', () => {
    const { name, attributes } = serverSpanStart({ method: 'PROPFIND', target: '/', httpVersion: '1.1' }, {});
    expect(name).toBe('HTTP');
    expect(attributes).toMatchObject({ 'http.request.method': '_OTHER', 'http.request.method_original': 'PROPFIND' });
  });

  test('client span: url.full without query, server address and port', () => {
    const { attributes } = clientSpanStart('GET', new URL('http://details:9080'), '/details/0?token=x', {});
    expect(attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': 'details',
      'server.port': 9080,
      'url.full': 'http://details:9080/details/0',
    });
  });

  test('helpers', () => {
    expect(pathOnly('/a?b#c')).toBe('/a');
    expect(pathOnly('?x')).toBe('/');
    expect(splitHost('[::1]:80')).toEqual({ address: '::1', port: 80 });
    expect(splitHost(undefined)).toEqual({});
    expect(bounded('abc', 2)).toBe('ab');
  });

  test('no credential, cookie, query, baggage or forwarded-client value reaches the exported OTLP', async () => {
    // GIVEN a leaf hop exporting JSON to a receiver
    const receiver = await startJsonReceiver();
    const hop = await startRelay({ otlpEndpoint: receiver.url, otlpProtocol: 'http/json', serviceName: 'leaf' });
    // WHEN a request carries every kind of sensitive value
    const secrets = ['Bearer-SECRET-1', 'session=SECRET-2', 'SECRET-3', 'SECRET-4', '203.0.113.99', 'SECRET-6', 'SECRET-7', 'SECRET-8'];
    const res = await request(`${hop.url}/login?password=${secrets[2]}`, {
      headers: {
        authorization: secrets[0],
        cookie: secrets[1],
        'proxy-authorization': `Basic ${secrets[3]}`,
        'x-forwarded-for': secrets[4],
        forwarded: `for=${secrets[4]}`,
        baggage: `user=${secrets[5]}`,
        tracestate: `vendor=${secrets[6]}`,
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'x-api-key': secrets[7],
      },
    });
    await res.body.dump();
    await hop.close();
    await receiver.close();
    // THEN the span exists and none of the values appear anywhere in the export
    expect(receiver.spans).toHaveLength(1);
    const exported = receiver.bodies.join('\n');
    for (const secret of secrets) expect(exported).not.toContain(secret);
  });
});
