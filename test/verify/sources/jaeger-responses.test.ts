/**
 * The Jaeger sources check each answer against the API's shape (src/verify/sources/jaeger-responses.ts):
 * every recorded answer of real Jaeger still reads exactly as the lenient parsers read it, and a
 * malformed answer, served over real loopback HTTP, is a JaegerResponseError that names the field
 * path, the value and what is allowed (exit 2, "could not check"), never an empty or partial trace.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, referencePath } from '../../../src/paths';
import { BackendUnreachableError } from '../../../src/verify/sources/http-get';
import { JaegerLegacySource } from '../../../src/verify/sources/jaeger-legacy';
import { tracesFromJaegerJson } from '../../../src/verify/sources/jaeger-legacy-json';
import { JaegerResponseError } from '../../../src/verify/sources/jaeger-responses';
import { JaegerV3Source, tracesFromV3 } from '../../../src/verify/sources/jaeger-v3';
import { startFakeJaeger, type FakeJaeger } from '../helpers/fake-jaeger';
import { pollAndVerify } from '../../../src/verify/poller';
import { parseSpec } from '../../../src/verify/spec';
import { jaegerSource } from '../../../src/verify/sources/trace-source';

const recorded = (f: string): string => readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'verify', 'recorded', f), 'utf8');
const reference = (f: string): unknown => JSON.parse(readFileSync(referencePath('jaeger', 'query-api-fixtures', f), 'utf8'));
const traceIdOf = (doc: unknown): string => tracesFromV3(doc)[0]!.traceId;

let jaeger: FakeJaeger | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await jaeger?.close();
  jaeger = undefined;
  if (raw) await new Promise<void>((resolve) => raw!.close(() => resolve()));
  raw = undefined;
});

/** A server that answers every request with this status and body text, as is (not necessarily JSON). */
async function answerWith(status: number, body: string): Promise<string> {
  raw = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
}

const errorOf = async (p: Promise<unknown>): Promise<Error> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error(`expected a rejection, got ${JSON.stringify(err)}`);
  return err;
};

describe('recorded answers of real Jaeger pass the checks and read as before', () => {
  test.each([
    ['bookinfo-envoy-v3.json', 'bookinfo-envoy-legacy.json'],
    ['hotrod-dispatch-v3.json', 'hotrod-dispatch-legacy.json'],
  ])('%s and %s through both sources', async (v3File, legacyFile) => {
    const v3Doc = JSON.parse(recorded(v3File)) as unknown;
    const legacyDoc = JSON.parse(recorded(legacyFile)) as unknown;
    const traceId = traceIdOf(v3Doc);
    jaeger = await startFakeJaeger();
    jaeger.put(traceId, { v3: v3Doc, legacy: legacyDoc, services: ['s'] });
    const v3 = await new JaegerV3Source({ baseUrl: jaeger.url }).getTrace(traceId);
    const legacy = await new JaegerLegacySource({ baseUrl: jaeger.url }).getTrace(traceId);
    // The checked answer reads exactly as the lenient parser reads the file.
    expect(v3).toEqual(tracesFromV3(v3Doc)[0]);
    expect(legacy).toEqual(tracesFromJaegerJson(legacyDoc)[0]);
    expect(v3!.spans.length).toBeGreaterThan(5);
    expect(legacy!.spans.length).toBe(v3!.spans.length);
  });

  test('the split-trace recording: each line is a v3 answer', async () => {
    const docs = recorded('bookinfo-envoy-split-v3.jsonl')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    jaeger = await startFakeJaeger();
    for (const doc of docs) jaeger.put(traceIdOf(doc), { v3: doc });
    const source = new JaegerV3Source({ baseUrl: jaeger.url });
    const traces = await Promise.all(docs.map((doc) => source.getTrace(traceIdOf(doc))));
    expect(traces.map((t) => t!.spans.length)).toEqual([7, 2]);
  });

  test("Jaeger's own API snapshots (GetTrace, FindTraces, GetServices) pass", async () => {
    jaeger = await startFakeJaeger();
    const getTrace = reference('jaeger_jaegerquery_apiv3_snapshots_GetTrace.json');
    jaeger.put('00000000000000000000000000000001', { v3: getTrace, services: ['foo'] });
    const source = new JaegerV3Source({ baseUrl: jaeger.url });
    expect((await source.getTrace('00000000000000000000000000000001'))!.spans.map((s) => s.name)).toEqual(['foobar']);
    expect(await source.findTraces({ service: 'foo', startUs: 0, endUs: Date.now() * 1000 })).toEqual(
      tracesFromV3(reference('jaeger_jaegerquery_apiv3_snapshots_FindTraces.json')),
    );
    expect(reference('jaeger_jaegerquery_apiv3_snapshots_GetServices.json')).toEqual({ services: ['foo'] });
    expect(await source.services()).toEqual(['foo']);
  });
});

describe('malformed answers over loopback HTTP', () => {
  const v3Answer = (span: Record<string, unknown>) => ({
    result: { resourceSpans: [{ resource: {}, scopeSpans: [{ scope: {}, spans: [span] }] }] },
  });
  const id = '0af7651916cd43dd8448eb211c80319c';

  test('a v3 span id of the wrong type names the path, the value and what is allowed', async () => {
    jaeger = await startFakeJaeger();
    jaeger.put(id, { v3: v3Answer({ traceId: id, spanId: 42, name: 'x' }) });
    const err = await errorOf(new JaegerV3Source({ baseUrl: jaeger.url }).getTrace(id));
    expect(err).toBeInstanceOf(JaegerResponseError);
    expect(err).toBeInstanceOf(BackendUnreachableError);
    expect(err.message).toBe(
      `${jaeger.url}/api/v3/traces/${id}: not a Jaeger API v3 traces answer: result.resourceSpans[0].scopeSpans[0].spans[0].spanId: 42 is a number; allowed: a string`,
    );
  });

  test('a v3 time that is neither a number nor decimal digits, and a missing result, are named', async () => {
    jaeger = await startFakeJaeger();
    jaeger.put(id, { v3: v3Answer({ traceId: id, spanId: 'b7ad6b7169203331', startTimeUnixNano: 'yesterday' }) });
    const source = new JaegerV3Source({ baseUrl: jaeger.url });
    expect((await errorOf(source.getTrace(id))).message).toMatch(
      /spans\[0\]\.startTimeUnixNano: "yesterday" is not an integer; allowed: an integer or a string of decimal digits$/,
    );
    jaeger.put(id, { v3: { traces: [] } });
    expect((await errorOf(source.getTrace(id))).message).toMatch(
      /not a Jaeger API v3 traces answer: result: \(missing\) is required; allowed: a mapping$/,
    );
  });

  test('many problems: the first three are shown, the rest counted', async () => {
    jaeger = await startFakeJaeger();
    const spans = Array.from({ length: 5 }, () => ({ traceId: id, spanId: 'b7ad6b7169203331', kind: true }));
    jaeger.put(id, { v3: { result: { resourceSpans: [{ scopeSpans: [{ spans }] }] } } });
    const message = (await errorOf(new JaegerV3Source({ baseUrl: jaeger.url }).getTrace(id))).message;
    expect(message.match(/spans\[\d\]\.kind: true is not an enum value/g)).toHaveLength(3);
    expect(message).toMatch(/\(and 2 more problems\)$/);
  });

  test('a legacy answer with a tag list that is a mapping names the path', async () => {
    jaeger = await startFakeJaeger();
    jaeger.put(id, {
      legacy: {
        data: [
          {
            traceID: id,
            spans: [{ spanID: 'b7ad6b7169203331', operationName: 'GET', startTime: 1, duration: 2, tags: { 'http.method': 'GET' } }],
            processes: {},
          },
        ],
        errors: null,
      },
    });
    const err = await errorOf(new JaegerLegacySource({ baseUrl: jaeger.url }).getTrace(id));
    expect(err).toBeInstanceOf(JaegerResponseError);
    expect(err.message).toBe(
      `${jaeger.url}/api/traces/${id}: not a Jaeger UI API traces answer: data[0].spans[0].tags: {"http.method":"GET"} is a mapping; allowed: a list`,
    );
  });

  test('a legacy process without a service name, and a services list of numbers, are named', async () => {
    jaeger = await startFakeJaeger({ services: [1, 2] as unknown as string[] });
    jaeger.put(id, { legacy: { data: [{ traceID: id, spans: [], processes: { p1: { tags: [] } } }] } });
    const legacy = new JaegerLegacySource({ baseUrl: jaeger.url });
    expect((await errorOf(legacy.getTrace(id))).message).toMatch(
      /data\[0\]\.processes\.p1\.serviceName: \(missing\) is required; allowed: a string$/,
    );
    expect((await errorOf(legacy.services())).message).toMatch(
      /\/api\/services: not a Jaeger UI API services answer: data\[0\]: 1 is a number; allowed: a string; data\[1\]: 2 is a number/,
    );
    expect((await errorOf(new JaegerV3Source({ baseUrl: jaeger.url }).services())).message).toMatch(
      /\/api\/v3\/services: not a Jaeger API v3 services answer: services\[0\]: 1 is a number; allowed: a string/,
    );
  });

  test('a 200 answer that is not JSON (an HTML page at the URL) says so, with its start', async () => {
    const url = await answerWith(200, '<!doctype html><html><body>Grafana</body></html>');
    const err = await errorOf(new JaegerV3Source({ baseUrl: url }).findTraces({ service: 's', startUs: 0, endUs: 1 }));
    expect(err).toBeInstanceOf(JaegerResponseError);
    expect(err.message).toMatch(
      /\/api\/v3\/traces\?query\.service_name=s&.*: not a Jaeger API v3 traces answer: the body is not JSON \(starts "<!doctype html><html><body>Grafana<\/body><\/html>"\)$/,
    );
  });

  test('a JSON answer of another service (an array) is not read as "no traces"', async () => {
    const url = await answerWith(200, '[1, 2, 3]');
    const err = await errorOf(new JaegerLegacySource({ baseUrl: url }).findTraces({ service: 's', startUs: 0, endUs: 1 }));
    expect(err.message).toMatch(/not a Jaeger UI API traces answer: \(root\): \[1,2,3\] is a list; allowed: a mapping$/);
  });
});

describe('a malformed answer stops the poll at once', () => {
  test('pollAndVerify gives up after one request instead of retrying until its timeout', async () => {
    // GIVEN a server answering every request with JSON that is not a Jaeger answer (another service on the port)
    let requests = 0;
    raw = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    const spec = parseSpec('name: t\nspans: { pp: { service: /^productpage/ } }\n');
    const source = jaegerSource(new JaegerV3Source({ baseUrl: url }), url);
    // WHEN polled with a long timeout
    const err = await errorOf(
      pollAndVerify(spec, source, { traceIds: ['0af7651916cd43dd8448eb211c80319c'], intervalMs: 5, timeoutMs: 60_000 }),
    );
    // THEN the first poll's error comes back (no retries: a second poll would have made more requests)
    expect(err).toBeInstanceOf(JaegerResponseError);
    expect((err as BackendUnreachableError).retryable).toBe(false);
    expect(err.message).toMatch(/not a Jaeger/);
    const firstPollRequests = requests;
    expect(firstPollRequests).toBeGreaterThan(0);
    expect(firstPollRequests).toBeLessThanOrEqual(2);
  });
});
