import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { REPO_ROOT } from '../paths';
import { runProgram } from './run-program';
import { registerSynth } from './synth';
import { registerCheck } from './check';
import { registerRelay } from './relay';
import { registerVerify } from './verify';
import { registerDemo } from './demo';
import { registerUp } from './up';
import { registerDown } from './down';
import { registerSmoke } from './smoke';

/**
 * Builds the `meshtrace` program. Each command lives in its own file and sets
 * `process.exitCode` through the value its action returns.
 */
export function buildProgram(): Command {
  const program = new Command('meshtrace')
    .description('Service-mesh tracing kit: synthesize, propagate, verify.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    // Global: every command that colours its output reads it (and NO_COLOR) through `useColor`.
    .option('--no-color', 'no ANSI colours (NO_COLOR=1 does the same)')
    // A wrong flag gets one line and a pointer, not the whole help page.
    .configureOutput({ outputError: (text, write) => write(`meshtrace: ${text}`) })
    .showHelpAfterError('(see meshtrace --help)')
    .exitOverride();
  for (const register of [
    registerSynth,
    registerCheck,
    registerRelay,
    registerVerify,
    registerDemo,
    registerUp,
    registerDown,
    registerSmoke,
  ]) {
    register(program);
  }
  for (const command of program.commands) command.showHelpAfterError(`(see meshtrace ${command.name()} --help)`);
  return program;
}

/** The version of the package this CLI belongs to. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
