/**
 * The small interface every peer recipe implements (one file each under recipes/), and the context
 * the driver hands it: where to put things, a way to run a command with its output kept in a log
 * file and its time printed, and a toolchain lookup that fails with the toolchain's name.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Recipe {
  /** Folder prefix (`<root>/<name>-<version>`) and the selector of `npm run peers -- <name>`. */
  readonly name: string;
  /** The pinned version (from versions.ts). */
  readonly version: string;
  /** What lands in `<dir>/bin/`, each one a key of installed.json. */
  readonly programs: readonly string[];
  /**
   * An optional recipe's failure is printed but does not fail the run; its programs are then absent
   * from installed.json, and whatever needs them fails naming `npm run peers`.
   */
  readonly optional?: boolean;
  /**
   * Anything besides the version that changes what gets built (e.g. a builder manifest): a changed
   * fingerprint makes a cached install stale.
   */
  readonly fingerprint?: string;
  install(ctx: InstallContext): Promise<void>;
  /** A quick run of the installed program (e.g. `--version`) proving it starts on this machine. */
  check?(ctx: InstallContext): Promise<void>;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** What to say when the command fails, before its output's tail (e.g. which registry refused). */
  readonly failure?: string;
}

export interface InstallContext {
  readonly root: string;
  /** `<root>/<name>-<version>`: the recipe's own folder. */
  readonly dir: string;
  /** `<dir>/bin`: where its programs go. */
  readonly binDir: string;
  /** Runs a command, its output appended to `<dir>/install.log`; prints `label` with its time. Returns stdout. */
  run(label: string, command: string, args: readonly string[], options?: RunOptions): Promise<string>;
  /** Absolute path of a toolchain command, or a PeerError naming it and what needs it. */
  tool(command: string, hint: string): string;
  log(message: string): void;
}

/** A failure the driver prints as it is (no stack): what failed, and what to do. */
export class PeerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerError';
  }
}

export function findOnPath(command: string, path: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Seconds with one decimal, or minutes and seconds past a minute. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const TAIL_LINES = 30;
/** A still-running step says so this often, so a long cold build is not mistaken for a hang. */
const HEARTBEAT_MS = 60_000;

export function createContext(root: string, dir: string, print: (line: string) => void): InstallContext {
  const logFile = join(dir, 'install.log');
  const binDir = join(dir, 'bin');
  return {
    root,
    dir,
    binDir,
    log: (message) => print(`    ${message}`),
    tool(command, hint) {
      const found = findOnPath(command);
      if (!found) throw new PeerError(`missing toolchain: \`${command}\` is not on PATH (${hint})`);
      return found;
    },
    run(label, command, args, options = {}) {
      const started = Date.now();
      const log = createWriteStream(logFile, { flags: 'a' });
      log.write(`\n$ ${[command, ...args].join(' ')}${options.cwd ? `   (in ${options.cwd})` : ''}\n`);
      return new Promise<string>((resolve, reject) => {
        const child = spawn(command, args, {
          cwd: options.cwd ?? dir,
          env: { ...process.env, ...options.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let tail: string[] = [];
        const keep = (chunk: Buffer, isStdout: boolean) => {
          const text = chunk.toString();
          if (isStdout && stdout.length < 1_000_000) stdout += text;
          log.write(text);
          tail = [...tail, ...text.split('\n').filter((l) => l.trim() !== '')].slice(-TAIL_LINES);
        };
        child.stdout.on('data', (c: Buffer) => keep(c, true));
        child.stderr.on('data', (c: Buffer) => keep(c, false));
        const heartbeat = setInterval(() => print(`    … ${label}: still running (${formatDuration(Date.now() - started)})`), HEARTBEAT_MS);
        const finish = (error?: Error) => {
          clearInterval(heartbeat);
          log.end();
          const took = formatDuration(Date.now() - started);
          if (!error) {
            print(`    ${label}: ${took}`);
            resolve(stdout);
            return;
          }
          const what = options.failure ?? `${label} failed`;
          reject(
            new PeerError(
              `${what}\n  command: ${[command, ...args].join(' ')}\n  ${error.message} after ${took}; last output (full log: ${logFile}):\n${tail.map((l) => `    | ${l}`).join('\n')}`,
            ),
          );
        };
        child.on('error', (err) => finish(err));
        child.on('close', (code, signal) =>
          code === 0 ? finish() : finish(new Error(signal ? `killed by ${signal}` : `exit code ${code}`)),
        );
      });
    },
  };
}
