/**
 * A chain of real OpenTelemetry JS services (`startOtelService`) and relay hops on loopback, each
 * calling the next, every party exporting OTLP/HTTP to one URL: the embedded receiver, a real
 * Collector, or real Jaeger's collector.
 */
import { startRelay, type RelayOptions, type RunningRelay } from '../../../src/relay';
import { waitUntil } from '../wait-until';
import { startOtelService, type OtelService, type OtelServiceOptions } from './otel-service';

export type RelayHopOptions = { readonly name: string } & Pick<
  RelayOptions,
  'propagate' | 'accept' | 'faults' | 'baggage' | 'baggageAttributes'
>;

export type Hop = { readonly otel: Omit<OtelServiceOptions, 'otlpUrl' | 'downstream'> } | { readonly relay: RelayHopOptions };

/** What each service of the mixed chain records: the trace headers that arrived, and the `tenant` baggage member. */
const RECORDS = { captureRequestHeaders: ['traceparent', 'tracestate', 'x-b3-sampled', 'uber-trace-id'], baggageAttributes: ['tenant'] };

/**
 * The chain samples/expectations/otel-mixed-propagators.yaml describes: web (W3C + baggage) → relay-1
 * (writes W3C + B3 multi) → orders (B3 multi + baggage) → relay-2 (writes Jaeger) → stock (Jaeger).
 */
export const MIXED_PROPAGATOR_CHAIN: readonly Hop[] = [
  { otel: { name: 'web', propagator: 'w3c', baggage: true, ...RECORDS } },
  { relay: { name: 'relay-1', propagate: ['w3c', 'b3multi'], baggageAttributes: ['tenant'] } },
  { otel: { name: 'orders', propagator: 'b3multi', baggage: true, ...RECORDS } },
  { relay: { name: 'relay-2', propagate: ['jaeger'], baggageAttributes: ['tenant'] } },
  { otel: { name: 'stock', propagator: 'jaeger', ...RECORDS } },
];

export interface RunningChain {
  /** The first hop's URL. */
  readonly entry: string;
  readonly services: ReadonlyMap<string, OtelService>;
  readonly relays: readonly RunningRelay[];
  /** Exports what the services' batch processors still hold. */
  flush(): Promise<void>;
  /**
   * Waits until every span made so far has been exported and acknowledged (services flushed, relays'
   * queues empty): then what a backend holds can be compared with `spans`. The trace ids are those
   * of the services' spans, so every trace of the chain, split-off fragments too, when each has a
   * service span.
   */
  settle(): Promise<{ readonly spans: number; readonly traceIds: ReadonlySet<string> }>;
  stop(): Promise<void>;
}

/** Starts the hops back to front (each calls the next); every hop exports to `otlpUrl` (a base URL). */
export async function startChain(hops: readonly Hop[], otlpUrl: string): Promise<RunningChain> {
  const services = new Map<string, OtelService>();
  const relays: RunningRelay[] = [];
  const stop = async () => {
    await Promise.all([...relays.map((x) => x.close()), ...[...services.values()].map((s) => s.close())]);
  };
  let next: string | undefined;
  try {
    for (const hop of [...hops].reverse()) {
      if ('otel' in hop) {
        const svc = await startOtelService({ ...hop.otel, otlpUrl, ...(next ? { downstream: next } : {}) });
        services.set(hop.otel.name, svc);
        next = svc.url;
      } else {
        const { name, ...options } = hop.relay;
        // A short flush interval: the relay's spans reach the backend soon after each request.
        const relay = await startRelay({
          serviceName: name,
          otlpEndpoint: otlpUrl,
          spanFlushIntervalMs: 20,
          ...(next ? { upstreams: [next] } : {}),
          ...options,
        });
        relays.push(relay);
        next = relay.url;
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  if (next === undefined) throw new Error('startChain: no hops');
  const flush = async () => {
    await Promise.all([...services.values()].map((s) => s.flush()));
  };
  return {
    entry: next,
    services,
    relays,
    flush,
    settle: async () => {
      await flush();
      const relaySpans = await waitUntil('the relays to export every span', () => {
        const stats = relays.map((r) => r.spanStats()!);
        if (stats.some((x) => x.dropped > 0 || x.failed > 0)) throw new Error(`a relay lost spans: ${JSON.stringify(stats)}`);
        return stats.every((x) => x.pending === 0 && x.exported === x.created) ? stats.reduce((n, x) => n + x.exported, 0) : undefined;
      });
      const own = [...services.values()].flatMap((svc) => svc.finished());
      return { spans: own.length + relaySpans, traceIds: new Set(own.map((x) => x.spanContext().traceId)) };
    },
    stop,
  };
}
