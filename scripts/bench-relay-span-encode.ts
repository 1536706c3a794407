/**
 * `npx tsx scripts/bench-relay-span-encode.ts` — CPU cost of the relay's propagation evidence attributes
 * (`meshtrace.propagation.extracted` / `.injected` / `.sampled`) at export: per span, the hop's
 * `toReadableSpan` + the OpenTelemetry OTLP protobuf serializer (what `span-export.ts` runs), for spans
 * without the evidence (the baseline, measured in the same run), with it as string lists (what the relay
 * records), and with it as plain strings (the cheaper alternative that was not taken: lists are the
 * semantic-convention shape for several values). Rounds alternate so machine load spreads over all three.
 * Knobs: BENCH_ROUNDS (default 7).
 */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { toReadableSpan } from '../src/relay/span-export';
import { clientSpanStart, serverSpanStart, type AttributeValue, type HopSpan } from '../src/relay/span-attributes';
import { machineLine } from './machine';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const BATCH = 512;
const REPEAT = 60;
const resource = resourceFromAttributes({ 'service.name': 'edge' });

type Variant = 'none' | 'lists' | 'strings';

function batch(variant: Variant): HopSpan[] {
  const extracted: AttributeValue = variant === 'lists' ? Object.freeze(['w3c']) : 'w3c';
  const injected: AttributeValue = variant === 'lists' ? Object.freeze(['b3multi']) : 'b3multi';
  const out: HopSpan[] = [];
  for (let i = 0; i < BATCH / 2; i++) {
    const server = serverSpanStart(
      {
        method: 'GET',
        target: '/productpage',
        host: '127.0.0.1:8080',
        peerAddress: '127.0.0.1',
        peerPort: 40000,
        userAgent: 'wrk/4.1.0',
        httpVersion: '1.1',
      },
      {},
    ).attributes;
    const client = clientSpanStart('GET', new URL('http://127.0.0.1:9080'), '/productpage', {}).attributes;
    server['http.response.status_code'] = 200;
    client['http.response.status_code'] = 200;
    if (variant !== 'none') {
      server['meshtrace.propagation.extracted'] = extracted;
      client['meshtrace.propagation.injected'] = injected;
      client['meshtrace.propagation.sampled'] = true;
    }
    const now = Date.now();
    const base = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', name: 'GET', startMs: now, endMs: now + 1, traceFlags: 1 };
    out.push({ ...base, spanId: '00f067aa0ba902b7', kind: 'server', attributes: server });
    out.push({ ...base, spanId: '00f067aa0ba902b8', parentSpanId: '00f067aa0ba902b7', kind: 'client', attributes: client });
  }
  return out;
}

/** CPU microseconds per span. */
function measure(spans: HopSpan[]): number {
  const t0 = process.cpuUsage();
  for (let r = 0; r < REPEAT; r++) ProtobufTraceSerializer.serializeRequest(spans.map((s) => toReadableSpan(s, resource)));
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / (REPEAT * spans.length);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const variants: Variant[] = ['none', 'lists', 'strings'];
const batches = Object.fromEntries(variants.map((v) => [v, batch(v)])) as Record<Variant, HopSpan[]>;
for (let w = 0; w < 2; w++) for (const v of variants) measure(batches[v]);
const results: Record<Variant, number[]> = { none: [], lists: [], strings: [] };
for (let r = 0; r < ROUNDS; r++) for (const v of variants) results[v].push(measure(batches[v]));

console.log(machineLine());
console.log(`toReadableSpan + OTLP protobuf encode, CPU µs per span (median of ${ROUNDS} rounds × ${REPEAT * BATCH} spans):`);
const base = median(results.none);
for (const v of variants) {
  const m = median(results[v]);
  console.log(
    `  ${v.padEnd(8)} ${m.toFixed(2)} µs  (${(m / base).toFixed(2)}× baseline, range ${Math.min(...results[v]).toFixed(2)}–${Math.max(...results[v]).toFixed(2)})`,
  );
}
