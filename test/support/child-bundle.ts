/**
 * A TypeScript fixture as one ES module for a child process: esbuild bundles our sources into it
 * (packages stay imports), written under node_modules/.cache so the bundle resolves the packages
 * as the sources do. Plain `node` starts it with ~0.13 s of CPU where `node --import tsx` takes
 * ~0.35 s: a suite that starts dozens of children (the writer SIGKILL suite starts 33) saves that
 * many times over.
 */
import { buildSync } from 'esbuild';
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';

export interface ChildBundle {
  /** The bundled module, for `node <path>`. */
  readonly path: string;
  readonly remove: () => void;
}

export function bundleForChild(entry: string): ChildBundle {
  const path = join(REPO_ROOT, 'node_modules', '.cache', 'meshtrace-test-children', `${basename(entry, '.ts')}-${process.pid}.mjs`);
  buildSync({
    entryPoints: [entry],
    outfile: path,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return { path, remove: () => rmSync(path, { force: true }) };
}
