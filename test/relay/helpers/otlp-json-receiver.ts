/**
 * A minimal OTLP/HTTP JSON trace receiver on loopback for the relay's tests: it decodes what the
 * OpenTelemetry JSON serializer sends and keeps a flat list of spans. Optional scripted statuses let
 * a test make the first exports fail (retry and loss accounting).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP enum: 2 server, 3 client */
  readonly kind: number;
  readonly statusCode: number;
  readonly statusMessage?: string;
  readonly attributes: Record<string, ReceivedValue>;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
}

export interface JsonReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** raw request bodies, for "never appears in the export" assertions */
  readonly bodies: string[];
  requests: number;
  close(): Promise<void>;
  /** resolves when at least `n` spans arrived (rejects after `timeoutMs`) */
  waitForSpans(n: number, timeoutMs?: number): Promise<void>;
}

export type ReceivedValue = string | number | boolean | Array<string | number | boolean>;
type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};

function value(v: AnyValue): ReceivedValue {
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map((x) => value(x) as string | number | boolean);
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  return v.doubleValue ?? '';
}

/** `statuses`: HTTP statuses for the first requests, then 200. */
export async function startJsonReceiver(statuses: number[] = []): Promise<JsonReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const waiters: Array<() => void> = [];
  const receiver: JsonReceiver = {
    url: '',
    spans,
    bodies,
    requests: 0,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    waitForSpans: (n, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        if (spans.length >= n) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`receiver: ${spans.length} spans after ${timeoutMs} ms, expected ${n}`)),
          timeoutMs,
        );
        const check = (): void => {
          if (spans.length >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        waiters.push(check);
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses[receiver.requests++] ?? 200;
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      const doc = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: AnyValue }> };
          scopeSpans: Array<{ spans: Array<Record<string, unknown>> }>;
        }>;
      };
      for (const rs of doc.resourceSpans) {
        const service = String(value(rs.resource.attributes.find((a) => a.key === 'service.name')?.value ?? {}));
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            const attributes: Record<string, ReceivedValue> = {};
            for (const a of (s.attributes as Array<{ key: string; value: AnyValue }>) ?? []) attributes[a.key] = value(a.value);
            const status = (s.status as { code?: number; message?: string }) ?? {};
            spans.push({
              service,
              traceId: String(s.traceId),
              spanId: String(s.spanId),
              parentSpanId: String(s.parentSpanId ?? ''),
              name: String(s.name),
              kind: Number(s.kind),
              statusCode: status.code ?? 0,
              statusMessage: status.message,
              attributes,
              startTimeUnixNano: String(s.startTimeUnixNano),
              endTimeUnixNano: String(s.endTimeUnixNano),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
