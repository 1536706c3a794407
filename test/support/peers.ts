/**
 * Real upstream programs for the tests: where `npm run peers` put them (peerPath), and launchers
 * that start one on loopback on free ports, wait until it answers its health endpoint (polling,
 * never a fixed sleep), and stop it. Each process's output goes to a temp file, printed when it
 * fails to start and attached to a failing test's error by `explainWithLogs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { manifestPath, peersRoot, type Manifest } from '../../scripts/peers/layout';
import { RECIPES } from '../../scripts/peers/recipes/index';
import { PORT_TAKEN_OUTPUT } from '../../src/demo/start-topology';
import { waitUntil } from './wait-until';

/** The recipe that installs a program (for the error message and the pinned version). */
function recipeOf(program: string) {
  return RECIPES.find((r) => r.programs.includes(program));
}

/**
 * Absolute path of an installed upstream program. Throws, naming `npm run peers`, when it is not
 * installed, or was installed from another pinned version.
 */
export function peerPath(program: string, root: string = peersRoot()): string {
  const recipe = recipeOf(program);
  if (!recipe) throw new Error(`no peer recipe installs "${program}"; known programs: ${RECIPES.flatMap((r) => r.programs).join(', ')}`);
  const fix = `run \`npm run peers -- ${recipe.name}\` (installs ${recipe.name} ${recipe.version} into ${root})`;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(root), 'utf8')) as Manifest;
  } catch {
    throw new Error(`${program} is not installed: ${manifestPath(root)} is missing or unreadable; ${fix}`);
  }
  const entry = manifest[program];
  if (!entry) throw new Error(`${program} is not installed (no entry in ${manifestPath(root)}); ${fix}`);
  if (entry.version !== recipe.version) throw new Error(`${program} ${entry.version} is installed but ${recipe.version} is pinned; ${fix}`);
  try {
    accessSync(entry.path, constants.X_OK);
  } catch {
    throw new Error(`${program}: ${entry.path} (from ${manifestPath(root)}) is not an executable file; ${fix}`);
  }
  return entry.path;
}

/** `n` distinct free loopback ports (all held open together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  /** Where stdout and stderr go. */
  readonly logFile: string;
  /** The last `lines` lines of the log. */
  logTail(lines?: number): string;
  /** True until the process has exited. */
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** A name for messages and the log file. */
  readonly name: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Polled until it answers 2xx. */
  readonly healthUrl?: string;
  /** Polled as well (after healthUrl answers): for programs with parts that have no health endpoint. */
  readonly ready?: () => Promise<boolean>;
  /** @default 60000 */
  readonly startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

let tempRoot: string | undefined;
/** One temp folder per test process for configs and logs. */
export function peerTempDir(): string {
  tempRoot ??= mkdtempSync(join(tmpdir(), 'meshtrace-peers-'));
  return tempRoot;
}

/** Writes a file into the temp folder (YAML for objects), returning its path. */
export function writeTempFile(name: string, content: string | Record<string, unknown>): string {
  const path = join(peerTempDir(), name);
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
  return path;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await request(url, { method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300;
  } catch {
    return false;
  }
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Starts a program and resolves once `healthUrl` answers 2xx (and `ready` holds); rejects with its log if it exits or never answers. */
export async function startPeer(options: StartOptions): Promise<PeerProcess> {
  if (options.healthUrl === undefined && options.ready === undefined)
    throw new Error(`startPeer ${options.name}: give healthUrl or ready, or nothing tells when it is up`);
  const logFile = join(peerTempDir(), `${options.name}.${Date.now()}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(options.program, options.args, {
    cwd: options.cwd ?? peerTempDir(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  live.add(child);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exit code ${code}`;
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      exit = `could not start: ${err.message}`;
      live.delete(child);
      resolve();
    });
  });
  const peer: PeerProcess = {
    name: options.name,
    pid: child.pid ?? -1,
    logFile,
    logTail: (lines = 40) => tailOf(logFile, lines),
    running: () => exit === undefined,
    async stop(graceMs = 10_000) {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const endedEarly = () =>
    new Error(
      `${options.name} (${options.program} ${options.args.join(' ')}) ended before it was ready (${exit}); log ${logFile}:\n${peer.logTail()}`,
    );
  const ready = async (): Promise<boolean> => {
    if (exit !== undefined) throw endedEarly();
    return (
      (options.healthUrl === undefined || (await answers(options.healthUrl))) && (options.ready === undefined || (await options.ready()))
    );
  };
  try {
    // Every 100 ms: each probe is a real request to the program, and the programs take 0.2–20 s to start.
    await waitUntil(`${options.name} to be ready`, ready, startTimeoutMs, 100);
    return peer;
  } catch (err) {
    if (exit !== undefined) throw endedEarly();
    await peer.stop(2000);
    throw new Error(
      `${options.name} was not ready (${options.healthUrl ?? 'its ready() check'}) within ${startTimeoutMs} ms; log ${logFile}:\n${peer.logTail()}`,
      { cause: err },
    );
  }
}

/**
 * startPeer on `count` ports from freePorts, with the options `build` makes of them; when the
 * program could not bind one, again on fresh ports (up to `attempts` starts in all). freePorts
 * releases its ports before the program binds them, and in a full test run another process can take
 * one in between. `build` runs once per attempt, so files naming the ports are written anew.
 */
export async function startPeerOnFreePorts(
  count: number,
  build: (ports: number[]) => StartOptions | Promise<StartOptions>,
  attempts = 3,
): Promise<{ peer: PeerProcess; ports: number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(count);
    try {
      return { peer: await startPeer(await build(ports)), ports };
    } catch (err) {
      if (attempt >= attempts || !PORT_TAKEN_OUTPUT.test((err as Error).message)) throw err;
    }
  }
}

/** Stops every peer (in reverse start order), ignoring ones already gone. */
export async function stopPeers(peers: readonly (PeerProcess | undefined)[]): Promise<void> {
  for (const p of [...peers].reverse()) await p?.stop();
}

/**
 * Runs `fn`; when it throws, the error message gets each peer's log tail, so a failing assertion
 * against a real program shows what the program said.
 */
export async function explainWithLogs<T>(peers: readonly (PeerProcess | undefined)[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const logs = peers
      .filter((p): p is PeerProcess => p !== undefined)
      .map((p) => `--- ${p.name} (pid ${p.pid}, ${p.running() ? 'running' : 'exited'}; ${p.logFile}) ---\n${p.logTail(25)}`)
      .join('\n');
    if (err instanceof Error) {
      err.message = `${err.message}\n\nlogs of the real programs:\n${logs}`;
      throw err;
    }
    throw new Error(`${String(err)}\n\nlogs of the real programs:\n${logs}`);
  }
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  // A probe that throws (the program is still starting) counts as "not yet"; its error is kept for the message.
  let last: unknown;
  const tolerant = async (): Promise<T | undefined> => {
    try {
      return await probe();
    } catch (err) {
      last = err;
      return undefined;
    }
  };
  try {
    return await waitUntil(what, tolerant, timeoutMs, intervalMs);
  } catch (err) {
    if (last === undefined) throw err;
    throw new Error(`${(err as Error).message} (last error: ${(last as Error).message})`);
  }
}
