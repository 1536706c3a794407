import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json), found from this file's location. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The team's shared folder (upstream reference data, notes), read by the test suite and the scripts
 * only: nothing the package runs needs it. It sits beside the clone
 * (`../shared`) on developer machines and in CI; MESHTRACE_SHARED_DIR overrides it.
 * Reference data is read from there, never copied into the project.
 */
export const SHARED_DIR = process.env.MESHTRACE_SHARED_DIR ?? join(REPO_ROOT, '..', 'shared');

/** Path of a file under `shared/reference/`. */
export function referencePath(...parts: string[]): string {
  return join(SHARED_DIR, 'reference', ...parts);
}

/** True when the shared reference data is present (it is on every dev and CI machine). */
export function hasReferenceData(): boolean {
  return existsSync(join(SHARED_DIR, 'reference'));
}
