import { execa } from 'execa';

/** What a finished process left behind. */
export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the binary does not exist (spawn ENOENT). */
  readonly notFound?: boolean;
  /** True when the process was killed for running past `timeoutMs`. */
  readonly timedOut?: boolean;
}

export interface RunOptions {
  /** Kill the process after this many milliseconds. @default - no limit */
  readonly timeoutMs?: number;
  /** Called with each chunk of output while the process runs (progress for long installs). */
  readonly onOutput?: (chunk: string) => void;
  /** Working directory. @default - the current directory */
  readonly cwd?: string;
}

/**
 * The process-runner seam: every external command (kind, helm, kubectl, istioctl, docker) goes
 * through it, so tests replace it with a recording fake and assert the exact commands.
 */
export interface ProcessRunner {
  run(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** Production runner on execa: never throws for a failing command, only reports it. */
export class ExecaRunner implements ProcessRunner {
  async run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const child = execa(cmd, [...args], {
      reject: false,
      timeout: options.timeoutMs,
      cwd: options.cwd,
      stdin: 'ignore',
      // the user's locale would change the messages we parse and show
      env: { LC_ALL: 'C' },
    });
    if (options.onOutput) {
      child.stdout?.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString()));
    }
    const result = await child;
    const notFound = (result as { code?: string }).code === 'ENOENT';
    return {
      exitCode: typeof result.exitCode === 'number' ? result.exitCode : notFound ? 127 : 1,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      notFound,
      timedOut: result.timedOut,
    };
  }
}
