/**
 * Bundles the relay for Kubernetes: one CommonJS file (esbuild, minified, Node 20 target; the relay's
 * HTTP is its own, over `node:net`, so no HTTP client library is bundled), gzipped for a ConfigMap's binaryData, plus the small plain-text loader that
 * unpacks it at start-up. No image build: the pod runs the official Node image.
 *
 * Deterministic: the same sources give the same bytes (esbuild output is stable, gzip carries no mtime),
 * so synthesis stays reproducible. Built once per process, here in stack/ (it runs esbuild and reads
 * files): the relay-chain construct does no I/O and takes the bundle as a prop.
 */
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../../paths';
import type { RelayBundle } from '../../constructs/relay/relay-chain';

export type { RelayBundle };

// From the package root, not this file: bundled into lib/, this module is no longer beside its
// sources. The package ships src/ (what the relay imports) for this build.
const HERE = join(REPO_ROOT, 'src', 'stack', 'relay-bundle');
/** The bundle is the `meshtrace relay` command alone: its process entry is a CLI entry point. */
const ENTRY = join(REPO_ROOT, 'src', 'cli', 'relay-main.ts');

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
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    write: false,
    legalComments: 'none',
    // ESM builds first: the OpenTelemetry packages tree-shake (semantic-conventions, sdk-metrics and
    // the logs/metrics serializers drop out: 643 KB → 303 KB minified).
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  const code = Buffer.from(result.outputFiles[0].contents);
  return {
    gzipped: gzipSync(code, { level: 9 }),
    minifiedBytes: code.length,
    loader: readFileSync(join(HERE, 'loader.cjs'), 'utf8'),
  };
}
