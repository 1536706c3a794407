/**
 * The `meshtrace` CLI as a real child process (`node bin/meshtrace.mjs …`), for end-to-end tests that
 * need what only a process has: its own exit, signals, children it must clean up.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';

export const BIN = join(REPO_ROOT, 'bin', 'meshtrace.mjs');

export interface CliProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `meshtrace ...args` to its end; rejects (after killing it) if it runs past `timeoutMs`.
 * `env` is added to this process's environment (e.g. NODE_OPTIONS to cap the child's heap).
 */
export function runCliProcess(args: readonly string[], timeoutMs = 90_000, env: NodeJS.ProcessEnv = {}): Promise<CliProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`meshtrace ${args.join(' ')} did not end within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
