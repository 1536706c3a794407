/**
 * The propagation evidence a hop records on its spans (`meshtrace.propagation.*`), which the
 * verifier's format-mismatch diagnosis reads, and `--accept` (a hop that reads only some formats).
 * Real relay on loopback, real OTLP/HTTP JSON export.
 */
import { request } from 'undici';
import { RelayOptionError, resolveRelayOptions } from '../../src/relay';
import { formatOfHeader } from '../../src/relay/hop';
import { relayOptionsFromFlags } from '../../src/cli/relay';
import type { ReceivedSpan } from './helpers/otlp-json-receiver';
import { useRelayFixture } from './helpers/relay-fixture';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT}-01`;

describe('relay propagation evidence on spans', () => {
  const f = useRelayFixture();
  const relay = f.relay;

  async function send(url: string, headers: Record<string, string>): Promise<void> {
    await (await request(url, { headers })).body.dump();
  }

  const serverSpan = (): ReceivedSpan => f.receiver.spans.find((s) => s.kind === 2)!;
  const clientSpan = (): ReceivedSpan => f.receiver.spans.find((s) => s.kind === 3)!;

  test('server span lists the formats read; client span the formats written and the decision sent', async () => {
    // GIVEN a hop that writes B3 multi only
    const hop = await relay({ upstreams: [f.upstream.url], propagate: ['b3multi'] });
    // WHEN a request arrives with W3C and B3 single for the same span
    await send(hop.url, { traceparent: TRACEPARENT, b3: `${TRACE_ID}-${PARENT}-1` });
    await f.receiver.waitForSpans(2);
    // THEN the server span says what was read, the client span what was written and that it said sampled
    expect(serverSpan().attributes['meshtrace.propagation.extracted']).toEqual(['w3c', 'b3single']);
    expect(serverSpan().attributes['meshtrace.propagation.invalid']).toBeUndefined();
    expect(clientSpan().attributes['meshtrace.propagation.injected']).toEqual(['b3multi']);
    expect(clientSpan().attributes['meshtrace.propagation.sampled']).toBe(true);
    // AND what was sent matches the record
    expect(f.upstream.seen[0].headers['x-b3-sampled']).toBe('1');
    expect(f.upstream.seen[0].headers.traceparent).toBeUndefined();
  });

  test('a malformed format is listed as invalid; a request without context records no extracted list', async () => {
    // GIVEN a default hop
    const hop = await relay({ upstreams: [f.upstream.url] });
    // WHEN one request carries a broken traceparent next to a valid B3 single header
    await send(hop.url, { traceparent: '00-xyz-1-01', b3: `${TRACE_ID}-${PARENT}-1` });
    await f.receiver.waitForSpans(2);
    // THEN B3 single was read, W3C is invalid, and the default hop wrote B3 single + W3C
    expect(serverSpan().attributes['meshtrace.propagation.extracted']).toEqual(['b3single']);
    expect(serverSpan().attributes['meshtrace.propagation.invalid']).toEqual(['w3c']);
    expect(clientSpan().attributes['meshtrace.propagation.injected']).toEqual(['w3c', 'b3single']);
    // AND the invalid header's value is not exported anywhere
    expect(f.receiver.bodies.join('')).not.toContain('00-xyz-1-01');

    // WHEN a request without any trace header passes (a new root)
    f.receiver.spans.length = 0;
    await send(hop.url, {});
    await f.receiver.waitForSpans(2);
    // THEN nothing was extracted and W3C was written
    expect(serverSpan().attributes['meshtrace.propagation.extracted']).toBeUndefined();
    expect(clientSpan().attributes['meshtrace.propagation.injected']).toEqual(['w3c']);
  });

  test('drop-context records an empty injected list and no sampling decision', async () => {
    // GIVEN a hop that drops the context on every request
    const hop = await relay({ upstreams: [f.upstream.url], faults: ['drop-context'] });
    // WHEN a W3C request passes
    await send(hop.url, { traceparent: TRACEPARENT });
    await f.receiver.waitForSpans(2);
    // THEN the client span says nothing was injected (a split, not a format mismatch)
    expect(clientSpan().attributes['meshtrace.propagation.injected']).toEqual([]);
    expect(clientSpan().attributes['meshtrace.propagation.sampled']).toBeUndefined();
    expect(f.upstream.seen[0].headers.traceparent).toBeUndefined();
  });

  test('--accept w3c: B3 headers are not read, not forwarded, and recorded as ignored', async () => {
    // GIVEN a hop that reads W3C only (like an app with only the W3C propagator)
    const hop = await relay({ upstreams: [f.upstream.url], accept: ['w3c'] });
    // WHEN a B3-multi-only request arrives (with an Envoy request id)
    await send(hop.url, { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': PARENT, 'x-b3-sampled': '1', 'x-request-id': 'req-1' });
    await f.receiver.waitForSpans(2);
    // THEN the hop started a new trace: its server span has no parent and another trace id
    const server = serverSpan();
    expect(server.traceId).not.toBe(TRACE_ID);
    expect(server.parentSpanId).toBe('');
    expect(server.attributes['meshtrace.propagation.extracted']).toBeUndefined();
    expect(server.attributes['meshtrace.propagation.ignored']).toEqual(['b3multi']);
    // AND it records what it reads at all (w3c implies W3C baggage), which the verifier compares with what was sent
    expect(server.attributes['meshtrace.propagation.accepted']).toEqual(['w3c', 'baggage']);
    // AND the B3 headers did not travel on; W3C of the new trace and the passthrough id did
    const seen = f.upstream.seen[0].headers;
    expect(seen['x-b3-traceid']).toBeUndefined();
    expect(seen.traceparent).toMatch(new RegExp(`^00-${server.traceId}-`));
    expect(seen['x-request-id']).toBe('req-1');

    // WHEN a W3C request arrives at the same hop
    f.receiver.spans.length = 0;
    await send(hop.url, { traceparent: TRACEPARENT });
    await f.receiver.waitForSpans(2);
    // THEN it joins the trace as usual and nothing is ignored
    expect(serverSpan().traceId).toBe(TRACE_ID);
    expect(serverSpan().attributes['meshtrace.propagation.extracted']).toEqual(['w3c']);
    expect(serverSpan().attributes['meshtrace.propagation.ignored']).toBeUndefined();
  });
});

describe('--accept option', () => {
  test('parses like --propagate; every format means no restriction', () => {
    // GIVEN/WHEN accept lists THEN they resolve (w3c reads baggage too; all four formats = unrestricted)
    expect(resolveRelayOptions({ accept: ['w3c'] }).accept).toEqual(['w3c', 'baggage']);
    expect(resolveRelayOptions({ accept: ['w3c', 'b3multi', 'b3single', 'jaeger'] }).accept).toBeUndefined();
    expect(
      relayOptionsFromFlags({
        accept: ['w3c,b3multi'],
        listen: '127.0.0.1:0',
        serviceName: 'x',
        otlpProtocol: 'http/protobuf',
        connectTimeout: '5s',
        responseTimeout: '15s',
        maxHeaderSize: '61440',
        sampleRate: '1',
        upstreamConnections: '64',
        shutdownTimeout: '20s',
        spanQueueSize: '16384',
        spanFlushInterval: '1s',
      }).accept,
    ).toEqual(['w3c', 'b3multi']);
  });

  test('a bad format names --accept, the value and what is allowed', () => {
    // GIVEN an unknown format WHEN resolved THEN the error says which flag and what is allowed
    expect(() => resolveRelayOptions({ accept: ['zipkin'] as never })).toThrow(RelayOptionError);
    expect(() => resolveRelayOptions({ accept: ['zipkin'] as never })).toThrow(/--accept.*zipkin.*w3c, b3, b3multi, jaeger/);
  });

  test('header names map to their format (W3C baggage is its own); the Envoy family has none (always read)', () => {
    expect(
      ['traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-sampled', 'uber-trace-id', 'uberctx-user', 'x-request-id'].map(formatOfHeader),
    ).toEqual(['w3c', 'w3c', 'baggage', 'b3single', 'b3multi', 'jaeger', 'jaeger', undefined]);
  });
});
