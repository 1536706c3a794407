/**
 * The relay bundle for Kubernetes, as `npm run build` wrote it into lib/relay/
 * (scripts/build-relay-bundle.ts): the relay gzipped for a ConfigMap's binaryData, plus the small
 * plain-text loader that unpacks it at start-up. No image build: the pod runs the official Node image.
 *
 * Read here, in stack/ (it reads files), once per process: the relay-chain construct does no I/O and
 * takes the bundle as a prop. The test suite's globalSetup builds lib/ from the current sources
 * before any test reads it; the published package ships it built.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../paths';
import type { RelayBundle } from '../../constructs/relay/relay-chain';

export type { RelayBundle };

/** The folder of the built bundle, under the package root (lib/ holds the compiled package). */
export const RELAY_BUNDLE_DIR = join(REPO_ROOT, 'lib', 'relay');

/** File names in RELAY_BUNDLE_DIR; the same names the ConfigMap and the pod's volume use. */
export const RELAY_BUNDLE_FILES = { gzipped: 'relay.cjs.gz', loader: 'loader.cjs' } as const;

let cached: RelayBundle | undefined;

/**
 * The relay bundle (read once per process); synchronous because constructs are. Throws, naming the
 * file and the command that builds it, when lib/relay/ has not been built.
 */
export function relayBundle(): RelayBundle {
  return (cached ??= readRelayBundle(RELAY_BUNDLE_DIR));
}

/** Reads a built bundle folder (exported for tests of a folder other than lib/relay/). */
export function readRelayBundle(dir: string): RelayBundle {
  const read = (name: string): Buffer => {
    const file = join(dir, name);
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        `relay bundle: cannot read ${file} (${code ?? String(err)}); it is written by \`npm run build\` (the published package ships it built)`,
      );
    }
  };
  const gzipped = read(RELAY_BUNDLE_FILES.gzipped);
  return {
    gzipped,
    // gzip's trailer ends with the uncompressed size (ISIZE, RFC 1952): no need to unpack 300 KB for it
    minifiedBytes: gzipped.readUInt32LE(gzipped.length - 4),
    loader: read(RELAY_BUNDLE_FILES.loader).toString('utf8'),
  };
}
