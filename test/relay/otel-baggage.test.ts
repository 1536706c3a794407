/**
 * Baggage through a hop that writes B3 only, as real OpenTelemetry JS services see it: the caller
 * injects with W3C trace context + W3C baggage, the service behind the hop extracts with
 * OpenTelemetry's usual B3 + W3C baggage composite (`CompositePropagator` of `B3Propagator` and
 * `W3CBaggagePropagator`), over loopback. Baggage is decided apart from the trace-context format.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { request } from 'undici';
import { startRelay, type RelayOptions } from '../../src/relay';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** What the OpenTelemetry service behind the hop extracted from one request. */
interface Extracted {
  readonly traceId?: string;
  readonly sampled?: boolean;
  readonly baggage: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A B3-multi + W3C-baggage OpenTelemetry service: extracts each request and records what it got. */
async function otelB3BaggageService(): Promise<{ url: string; seen: Extracted[] }> {
  const propagator = new CompositePropagator({
    propagators: [new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }), new W3CBaggagePropagator()],
  });
  const seen: Extracted[] = [];
  const server: Server = createServer((req, res) => {
    const ctx = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const span = trace.getSpanContext(ctx);
    const baggage = Object.fromEntries((propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]));
    seen.push({
      traceId: span?.traceId,
      sampled: span ? (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED : undefined,
      baggage,
      headers: req.headers,
    });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Headers of a W3C OpenTelemetry caller: traceparent (sampled) and baggage `tenant`, `user.tier`. */
function otelW3cCallerHeaders(): Record<string, string> {
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  let ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
  ctx = propagation.setBaggage(ctx, propagation.createBaggage({ tenant: { value: 'acme' }, 'user.tier': { value: 'gold plus' } }));
  const headers: Record<string, string> = {};
  propagator.inject(ctx, headers, defaultTextMapSetter);
  return headers;
}

async function through(options: RelayOptions): Promise<Extracted> {
  const service = await otelB3BaggageService();
  const hop = await startRelay({ serviceName: 'bridge', upstreams: [service.url], ...options });
  cleanup.push(() => hop.close());
  const res = await request(`${hop.url}/orders`, { headers: otelW3cCallerHeaders() });
  expect(res.statusCode).toBe(200);
  await res.body.dump();
  expect(service.seen).toHaveLength(1);
  return service.seen[0]!;
}

describe('relay --propagate b3multi between OpenTelemetry JS services (B3 + W3C baggage composite)', () => {
  test("incoming baggage and the hop's own --baggage reach the B3 + W3C baggage service, in the same trace", async () => {
    const got = await through({ propagate: ['b3multi'], baggage: { hop: 'bridge' } });
    // the trace context went as B3 (the only format asked for) and stayed one sampled trace
    expect(got.traceId).toBe(TRACE_ID);
    expect(got.sampled).toBe(true);
    expect(got.headers['x-b3-traceid']).toBe(TRACE_ID);
    expect(got.headers.traceparent).toBeUndefined();
    // and OpenTelemetry's W3CBaggagePropagator read every member
    expect(got.baggage).toEqual({ tenant: 'acme', 'user.tier': 'gold plus', hop: 'bridge' });
  });

  test('"baggage" is a --propagate entry of its own: b3single,baggage writes B3 single and W3C baggage only', async () => {
    const got = await through({ propagate: ['b3single', 'baggage'] });
    expect(got.headers.b3).toMatch(new RegExp(`^${TRACE_ID}-[0-9a-f]{16}-1(-[0-9a-f]{16})?$`));
    expect(got.headers.traceparent).toBeUndefined();
    expect(got.headers.tracestate).toBeUndefined();
    expect(got.baggage).toEqual({ tenant: 'acme', 'user.tier': 'gold plus' });
  });

  test('told otherwise: a hop that reads only B3 (--accept b3multi) neither reads nor forwards the baggage', async () => {
    // The caller sends B3 multi too here, so the hop has a context it accepts.
    const service = await otelB3BaggageService();
    const hop = await startRelay({ serviceName: 'b3-only', upstreams: [service.url], accept: ['b3multi'], propagate: ['b3multi'] });
    cleanup.push(() => hop.close());
    const b3 = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
    const headers = otelW3cCallerHeaders();
    b3.inject(
      trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED }),
      headers,
      defaultTextMapSetter,
    );
    await (await request(hop.url, { headers })).body.dump();
    expect(service.seen[0]!.traceId).toBe(TRACE_ID);
    expect(service.seen[0]!.baggage).toEqual({});
  });
});
