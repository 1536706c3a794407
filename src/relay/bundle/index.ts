/**
 * Bundles the relay for Kubernetes: one CommonJS file (esbuild, minified, Node 20 target) with undici
 * reduced to its Pool, gzipped for a ConfigMap's binaryData, plus the small plain-text loader that
 * unpacks it at start-up. No image build: the pod runs the official Node image.
 *
 * Deterministic: the same sources give the same bytes (esbuild output is stable, gzip carries no mtime),
 * so synthesis stays reproducible. Built once per process.
 */
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface RelayBundle {
  /** The gzipped CommonJS bundle (ConfigMap binaryData `relay.cjs.gz`). */
  readonly gzipped: Buffer;
  /** Size of the minified bundle before gzip, in bytes. */
  readonly minifiedBytes: number;
  /** The loader (ConfigMap data `loader.cjs`). */
  readonly loader: string;
}

let cached: RelayBundle | undefined;

/**
 * Builds (once per process) and returns the relay bundle; synchronous because constructs are.
 * Throws with esbuild's messages if the sources do not build.
 */
export function relayBundle(): RelayBundle {
  return (cached ??= buildRelayBundle());
}

function buildRelayBundle(): RelayBundle {
  const result = buildSync({
    entryPoints: [join(HERE, 'entry.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    write: false,
    legalComments: 'none',
    // `undici` → the Pool-only stand-in (which reaches undici's files by relative path, past the alias).
    alias: { undici: join(HERE, 'undici-pool-only.mjs') },
    // ESM builds first: the OpenTelemetry packages tree-shake (semantic-conventions, sdk-metrics and
    // the logs/metrics serializers drop out: 643 KB → 303 KB minified).
    mainFields: ['module', 'main'],
    // Never reached by the relay: undici's non-SIMD llhttp (only a fallback when WebAssembly SIMD is
    // missing; Node 20 has it) and the fetch body helpers (FormData/Blob request bodies; the relay
    // streams). `JEST_WORKER_ID` would force the non-SIMD parser in a child of a jest run.
    external: ['*/llhttp/llhttp-wasm.js', '*/web/fetch/body.js'],
    define: { 'process.env.JEST_WORKER_ID': 'undefined' },
    logLevel: 'silent',
  });
  const code = Buffer.from(result.outputFiles[0].contents);
  return {
    gzipped: gzipSync(code, { level: 9 }),
    minifiedBytes: code.length,
    loader: readFileSync(join(HERE, 'loader.cjs'), 'utf8'),
  };
}
