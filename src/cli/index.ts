import { Command, CommanderError } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_OK } from './exit-codes';
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
  const program = buildProgram();
  let code: number | undefined;
  program.hook('postAction', (_thisCommand, action) => {
    const value = action.getOptionValue('__exitCode');
    if (typeof value === 'number') code = value;
  });
  try {
    await program.parseAsync(argv);
    return code ?? EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; bad flags are "could not check".
      return err.exitCode === 0 ? EXIT_OK : EXIT_CANNOT_CHECK;
    }
    if (err instanceof CliError) {
      process.stderr.write(`meshtrace: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`meshtrace: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT_CANNOT_CHECK;
  }
}
