/**
 * The relay bundle that the relay chain's pods run (see src/stack/relay-bundle): one CommonJS file
 * (esbuild, minified, Node 20 target; the relay's HTTP is its own, over `node:net`, so no HTTP client
 * library is bundled), gzipped for a ConfigMap's binaryData, beside its small plain-text loader.
 *
 * Built by `npm run build` into lib/relay/, not at synth time: a synth then reads ~45 KB instead of
 * running esbuild over the relay's sources (~0.3–0.5 s of every `meshtrace synth`), and the
 * published package needs neither esbuild nor the relay's TypeScript sources at run time.
 *
 * Deterministic: the same sources give the same bytes (esbuild output is stable, gzip carries no
 * mtime), so synthesis stays reproducible.
 */
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RELAY_BUNDLE_FILES } from '../src/stack/relay-bundle';

/** The files of lib/relay/, by name, built from the sources under `root`. Throws with esbuild's messages. */
export function buildRelayBundleFiles(root: string): Record<string, Buffer> {
  const result = buildSync({
    // The bundle is the `meshtrace relay` command alone: its process entry is a CLI entry point.
    entryPoints: [join(root, 'src', 'cli', 'relay-main.ts')],
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
  return {
    [RELAY_BUNDLE_FILES.gzipped]: gzipSync(Buffer.from(result.outputFiles[0].contents), { level: 9 }),
    [RELAY_BUNDLE_FILES.loader]: readFileSync(join(root, 'src', 'stack', 'relay-bundle', 'loader.cjs')),
  };
}
