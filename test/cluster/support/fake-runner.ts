import type { ProcessRunner, RunOptions, RunResult } from '../../../src/cluster/runner';

export interface RecordedCall {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly options?: RunOptions;
}

type Responder = RunResult | ((args: readonly string[]) => RunResult);

/**
 * Recording fake of the process-runner seam: answers by command name (or by "cmd arg0 arg1"
 * prefix), records every call in order. A command without an answer is "not installed".
 */
export class RecordingRunner implements ProcessRunner {
  readonly calls: RecordedCall[] = [];
  private readonly answers = new Map<string, Responder>();

  on(prefix: string, answer: Responder): this {
    this.answers.set(prefix, answer);
    return this;
  }

  async run(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push({ cmd, args: [...args], options });
    const line = [cmd, ...args].join(' ');
    const keys = [...this.answers.keys()].filter((k) => line === k || line.startsWith(`${k} `)).sort((a, b) => b.length - a.length);
    if (keys.length === 0) return { exitCode: 127, stdout: '', stderr: `${cmd}: not found`, notFound: true };
    const answer = this.answers.get(keys[0]) as Responder;
    return typeof answer === 'function' ? answer(args) : answer;
  }

  /** Calls as command lines, without the version probes. */
  commandLines(): string[] {
    return this.calls.map((c) => [c.cmd, ...c.args].join(' '));
  }
}

export const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '' });

/** A machine with every tool at the pinned version (istioctl optional). */
export function toolsInstalled(runner: RecordingRunner, opts: { istioctl?: string; kindClusters?: string[] } = {}): RecordingRunner {
  runner
    .on('docker version', ok('28.2.2\n'))
    .on('kind version', ok('kind v0.32.0 go1.25.1 linux/amd64\n'))
    .on('kubectl version', ok(JSON.stringify({ clientVersion: { gitVersion: 'v1.36.1' } })))
    .on('helm version', ok('v3.19.0+g3d8990f\n'))
    .on('kind get clusters', ok((opts.kindClusters ?? []).join('\n')));
  if (opts.istioctl) runner.on('istioctl version', ok(`${opts.istioctl}\n`));
  return runner;
}
