import { Command } from 'commander';
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
    .showHelpAfterError()
    .exitOverride();
  for (const register of [registerSynth, registerCheck, registerRelay, registerVerify, registerDemo, registerUp, registerDown, registerSmoke]) {
    register(program);
  }
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
