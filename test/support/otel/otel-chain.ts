/**
 * A chain of real OpenTelemetry JS services (`startOtelService`) and relay hops on loopback, each
 * calling the next, every party exporting OTLP/HTTP to one URL: the embedded receiver, a real
 * Collector, or real Jaeger's collector.
 */
import { startRelay, type RelayOptions, type RunningRelay } from '../../../src/relay';
import { startOtelService, type OtelService, type OtelServiceOptions } from './otel-service';

export type RelayHopOptions = { readonly name: string } & Pick<RelayOptions, 'propagate' | 'accept' | 'faults' | 'baggage' | 'baggageAttributes'>;

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
        const relay = await startRelay({ serviceName: name, otlpEndpoint: otlpUrl, spanFlushIntervalMs: 20, ...(next ? { upstreams: [next] } : {}), ...options });
        relays.push(relay);
        next = relay.url;
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  if (next === undefined) throw new Error('startChain: no hops');
  return {
    entry: next,
    services,
    relays,
    flush: async () => {
      await Promise.all([...services.values()].map((s) => s.flush()));
    },
    stop,
  };
}
