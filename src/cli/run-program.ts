/**
 * Runs a commander program to an exit code: the one place that turns `setExitCode`, commander's
 * own errors and `CliError` into a number. Kept apart from `index.ts` (which imports every command)
 * so that single-command entries (the relay bundle, the demo's hops) reuse it without loading the
 * rest of the CLI.
 */
import { CommanderError, type Command } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_OK } from '../errors';

/** Parses `argv` with `program` and resolves to the process exit code; never rejects. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  let code: number | undefined;
  program.hook('postAction', (_thisCommand, action) => {
    const value = action.getOptionValue('__exitCode');
    if (typeof value === 'number') code = value;
  });
  try {
    await program.parseAsync([...argv]);
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
