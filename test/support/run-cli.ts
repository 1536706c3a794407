/**
 * The `meshtrace` CLI in this process, through the same `main()` the bin runs, with stdout and
 * stderr captured: for flag and output tests, where starting Node + tsx per case buys nothing.
 */
import { jest } from '@jest/globals';
import { main } from '../../src/cli/index';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `meshtrace ...args`; resolves to the exit code and what was written. */
export async function runCliInProcess(args: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['node', 'meshtrace', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
