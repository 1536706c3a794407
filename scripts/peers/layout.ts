/**
 * Where the real upstream programs live (a contract other suites and helpers rely on):
 *   ${MESHTRACE_PEERS_DIR:-$HOME/.cache/meshtrace/peers}/<name>-<version>/bin/<program>
 *   <root>/installed.json  program → {version, path}, written after each successful install.
 * Outside the work tree, so a clean clone, `git clean` and `npm ci` never throw a build away.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PEERS_DIR_ENV = 'MESHTRACE_PEERS_DIR';

export function peersRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env[PEERS_DIR_ENV] || join(homedir(), '.cache', 'meshtrace', 'peers');
}

export function recipeDir(root: string, name: string, version: string): string {
  return join(root, `${name}-${version}`);
}

export function programPath(root: string, name: string, version: string, program: string): string {
  return join(recipeDir(root, name, version), 'bin', program);
}

export function manifestPath(root: string): string {
  return join(root, 'installed.json');
}

export interface InstalledProgram {
  readonly version: string;
  readonly path: string;
}

/** installed.json: program name → where it is and which pinned version it was built from. */
export type Manifest = Record<string, InstalledProgram>;
