/**
 * A small OpenTelemetry Collector distribution made by the collector's own builder: OTLP and
 * Zipkin in; OTLP (gRPC, exporter `otlp_grpc`), OTLP/HTTP (`otlp_http`) and debug out; batch; health_check for readiness. Every core
 * module at one release, contrib at the release that goes with it (the package list's advice):
 * mixing releases fails at `go mod tidy` or, worse, at run time. Zipkin out is left out on purpose:
 * its exporter is served only at an old release and is deprecated upstream.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { goTools } from '../go';
import { PeerError, type Recipe } from '../recipe';
import { PEER_VERSIONS } from '../versions';

const core = PEER_VERSIONS.otelcol;
const contrib = PEER_VERSIONS.otelcolContrib;
const stable = PEER_VERSIONS.otelcolStable;
const CORE = 'go.opentelemetry.io/collector';
const CONTRIB = 'github.com/open-telemetry/opentelemetry-collector-contrib';

/** The builder manifest's component lists (dist is added at install time: it names local folders). */
export const OTELCOL_COMPONENTS = {
  receivers: [{ gomod: `${CORE}/receiver/otlpreceiver v${core}` }, { gomod: `${CONTRIB}/receiver/zipkinreceiver v${contrib}` }],
  exporters: [
    { gomod: `${CORE}/exporter/otlpexporter v${core}` },
    { gomod: `${CORE}/exporter/otlphttpexporter v${core}` },
    { gomod: `${CORE}/exporter/debugexporter v${core}` },
  ],
  processors: [{ gomod: `${CORE}/processor/batchprocessor v${core}` }],
  extensions: [{ gomod: `${CONTRIB}/extension/healthcheckextension v${contrib}` }],
  providers: ['envprovider', 'fileprovider', 'yamlprovider'].map((p) => ({ gomod: `${CORE}/confmap/provider/${p} v${stable}` })),
};

export const otelcol: Recipe = {
  name: 'otelcol',
  version: core,
  programs: ['otelcol'],
  fingerprint: JSON.stringify(OTELCOL_COMPONENTS),
  async install(ctx) {
    const tools = join(ctx.dir, 'tools');
    await goTools(ctx, {
      module: 'meshtrace-peers/otelcol-builder',
      tools: [`${CORE}/cmd/builder@v${core}`],
      builds: [{ pkg: `${CORE}/cmd/builder`, program: 'builder', outDir: tools }],
    });
    const out = join(ctx.dir, 'dist');
    mkdirSync(out, { recursive: true });
    const manifest = join(ctx.dir, 'builder-config.yaml');
    writeFileSync(
      manifest,
      stringify({
        dist: {
          name: 'otelcol',
          description: "meshtrace's test collector (otlp, zipkin in; otlp_grpc, otlp_http, debug out)",
          output_path: out,
        },
        ...OTELCOL_COMPONENTS,
      }),
    );
    await ctx.run('builder (generate, go mod tidy, go build)', join(tools, 'builder'), ['--config', manifest], {
      env: { CGO_ENABLED: '0' },
      failure: `the collector builder failed: a component of ${manifest} was not served at its release, or the releases do not go together`,
    });
    copyFileSync(join(out, 'otelcol'), join(ctx.binDir, 'otelcol'));
  },
  async check(ctx) {
    // `components` lists what the build holds: each component of the manifest must be in it.
    const out = await ctx.run('otelcol components', join(ctx.binDir, 'otelcol'), ['components']);
    // The OTLP exporters are named otlp_grpc and otlp_http at this release (not otlp / otlphttp).
    const missing = ['otlp', 'zipkin', 'otlp_grpc', 'otlp_http', 'debug', 'batch', 'health_check'].filter(
      (name) => !new RegExp(`name: ${name}\\b`).test(out),
    );
    if (missing.length > 0) throw new PeerError(`otelcol: the build lacks ${missing.join(', ')}; \`otelcol components\` said:\n${out}`);
    ctx.log('components: otlp, zipkin in; otlp_grpc, otlp_http, debug out; batch; health_check');
  },
};
