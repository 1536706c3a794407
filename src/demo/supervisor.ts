/**
 * Starts child processes, waits for the line that says each one is ready, and stops all of them:
 * on `stopAll()`, when the demo fails, on Ctrl-C / SIGTERM, and (best effort, synchronously) when
 * the parent exits. Children run in their own process group (`detached`) so a child's own
 * children die with it (`kill(-pid)`), and so a Ctrl-C reaches only the demo, which then stops
 * its children in order instead of racing them.
 *
 * Side effects live here; what to start is decided by the pure topology code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** One process to start. */
export interface ProcessSpec {
  /** Short name used in progress and error messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** A line on stdout or stderr matching this means "ready"; its capture groups are returned. */
  readonly readyPattern: RegExp;
  /** How long to wait for the ready line. @default 15000 */
  readonly readyTimeoutMs?: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** A started, ready process. */
export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** The ready line's match. */
  readonly ready: RegExpMatchArray;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  recentOutput(): string[];
}

/** A child failed to start or become ready in time. */
export class ProcessStartError extends Error {
  constructor(
    message: string,
    readonly processName: string,
    readonly recentOutput: readonly string[],
  ) {
    super(message);
    this.name = 'ProcessStartError';
  }
}

export interface SupervisorOptions {
  /** Called for each line a child writes (for `--verbose`). */
  readonly onOutput?: (name: string, line: string) => void;
  /** Called when a child exits while the group is not stopping (a crash). */
  readonly onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Time between SIGTERM and SIGKILL when stopping. @default 2000 */
  readonly killGraceMs?: number;
  /** Lines of output kept per child. @default 40 */
  readonly keepLines?: number;
}

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly lines: string[];
  exited: boolean;
  /** Set when we asked it to stop: its exit is not a crash. */
  stopRequested: boolean;
  readonly exitPromise: Promise<void>;
}

/** How long an exited child's pipes may stay open (a grandchild holding them) before its start fails without its last lines. */
const EXIT_OUTPUT_WAIT_MS = 1000;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** True when a process with this pid exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * SIGKILL to what an exited child left in its process group (grandchildren holding its pipes). The
 * group only: the child's own pid may already be another process's.
 */
function killLeftovers(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // nothing left in the group
  }
}

/** Sends a signal to a child's whole process group, falling back to the child itself. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export class ProcessSupervisor {
  private readonly children: Child[] = [];
  private stopping = false;
  private readonly signalHandlers = new Map<NodeJS.Signals, () => void>();
  private readonly exitHandler = (): void => this.killAllNow();
  /** Set when a signal asked the demo to stop; the caller checks it to end with the right code. */
  interrupted: NodeJS.Signals | undefined;
  private readonly interruptListeners: ((signal: NodeJS.Signals) => void)[] = [];

  constructor(private readonly options: SupervisorOptions = {}) {
    for (const signal of SIGNALS) {
      const handler = (): void => {
        this.interrupted = signal;
        for (const listener of this.interruptListeners) listener(signal);
        void this.stopAll();
      };
      this.signalHandlers.set(signal, handler);
      process.on(signal, handler);
    }
    process.on('exit', this.exitHandler);
  }

  /** Runs `listener` when SIGINT/SIGTERM/SIGHUP arrives (after which every child is being stopped). */
  onInterrupt(listener: (signal: NodeJS.Signals) => void): void {
    this.interruptListeners.push(listener);
  }

  /** Pids of every child started, whether or not still running (tests check them afterwards). */
  get pids(): number[] {
    return this.children.map((c) => c.process.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Starts a process and resolves once its ready line appears; rejects (and kills it) otherwise. */
  async start(spec: ProcessSpec): Promise<RunningProcess> {
    if (this.stopping) throw new ProcessStartError(`not starting ${spec.name}: the demo is stopping`, spec.name, []);
    const keep = this.options.keepLines ?? 40;
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const lines: string[] = [];
    const exitPromise = once(child, 'exit').then(
      () => undefined,
      () => undefined,
    );
    const entry: Child = { name: spec.name, process: child, lines, exited: false, stopRequested: false, exitPromise };
    this.children.push(entry);

    return new Promise<RunningProcess>((resolve, reject) => {
      let settled = false;
      const timeoutMs = spec.readyTimeoutMs ?? 15000;
      const fail = (message: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (child.pid !== undefined) {
          if (entry.exited) killLeftovers(child.pid);
          else signalGroup(child.pid, 'SIGKILL');
        }
        reject(new ProcessStartError(message, spec.name, [...lines]));
      };
      const timer = setTimeout(() => fail(`${spec.name} did not print its ready line within ${timeoutMs} ms`), timeoutMs);
      const onLine = (line: string): void => {
        lines.push(line);
        if (lines.length > keep) lines.shift();
        this.options.onOutput?.(spec.name, line);
        if (settled) return;
        const match = spec.readyPattern.exec(line);
        if (match && child.pid !== undefined) {
          settled = true;
          clearTimeout(timer);
          resolve({ name: spec.name, pid: child.pid, ready: match, recentOutput: () => [...lines] });
        }
      };
      for (const stream of [child.stdout, child.stderr]) {
        if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
      }
      child.on('error', (err) => fail(`${spec.name} could not be started (${spec.command}): ${err.message}`));
      child.on('exit', (code, signal) => {
        entry.exited = true;
        if (!settled) {
          // Its last words (why it exited: "Address already in use") can still be in the pipes when
          // 'exit' comes: fail once they are read ('close'), or after a bound if a grandchild holds them.
          const failNow = (): void => fail(`${spec.name} exited (${signal ?? `code ${code}`}) before it was ready`);
          const bound = setTimeout(failNow, EXIT_OUTPUT_WAIT_MS);
          child.once('close', () => {
            clearTimeout(bound);
            failNow();
          });
        } else if (!this.stopping && !entry.stopRequested) {
          this.options.onUnexpectedExit?.(spec.name, code, signal);
        }
      });
    });
  }

  /**
   * Stops every child: SIGTERM to each process group, SIGKILL after the grace period, and waits
   * until all have exited. Safe to call more than once; no child can be started afterwards.
   */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await this.stopRunning();
    this.detach();
  }

  /** Stops the children running now (the supervisor stays usable, e.g. to retry a start). */
  async stopRunning(): Promise<void> {
    await this.stopChildren(() => true);
  }

  /** Stops the running children with these pids (one failed start's, before a retry), and no others. */
  async stopPids(pids: readonly number[]): Promise<void> {
    const wanted = new Set(pids);
    await this.stopChildren((pid) => wanted.has(pid));
  }

  private async stopChildren(which: (pid: number) => boolean): Promise<void> {
    const grace = this.options.killGraceMs ?? 2000;
    const running = this.children.filter((c) => !c.exited && c.process.pid !== undefined && which(c.process.pid));
    for (const child of running) child.stopRequested = true;
    // Entry first, leaves last (reverse start order) so no hop logs errors about its upstream vanishing.
    for (const child of [...running].reverse()) signalGroup(child.process.pid!, 'SIGTERM');
    await Promise.all(
      running.map(async (child) => {
        let timer: NodeJS.Timeout | undefined;
        const killed = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            signalGroup(child.process.pid!, 'SIGKILL');
            resolve();
          }, grace);
        });
        await Promise.race([child.exitPromise, killed]);
        clearTimeout(timer);
        await child.exitPromise;
      }),
    );
  }

  /** Synchronous last resort for `process.on('exit')`: SIGKILL whatever still runs. */
  private killAllNow(): void {
    for (const child of this.children) {
      if (!child.exited && child.process.pid !== undefined) signalGroup(child.process.pid, 'SIGKILL');
    }
  }

  /** Removes the process-wide signal and exit handlers (after `stopAll`). */
  private detach(): void {
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    this.signalHandlers.clear();
    process.off('exit', this.exitHandler);
  }
}
