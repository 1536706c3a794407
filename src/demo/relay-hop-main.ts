/**
 * Entry point of one demo hop: exactly the `meshtrace relay` command (same flags, same start-up
 * line, same SIGTERM drain), but loading only that command. `bin/meshtrace.mjs` imports every
 * command module (cdk8s, kubernetes models, …) before it parses argv: measured here that is
 * ~2.4 s of CPU per process against ~0.6 s for the relay alone, and the demo starts five hops
 * on a 2-core machine. `npx meshtrace relay …` behaves the same; the demo prints that form.
 */
import { Command, CommanderError } from 'commander';
import { registerRelay } from '../cli/relay';
import { CliError, EXIT_CANNOT_CHECK, EXIT_OK } from '../cli/exit-codes';

async function run(argv: string[]): Promise<number> {
  const program = new Command('meshtrace').exitOverride();
  registerRelay(program);
  let code: number | undefined;
  program.hook('postAction', (_cmd, action) => {
    const value = action.getOptionValue('__exitCode');
    if (typeof value === 'number') code = value;
  });
  try {
    await program.parseAsync(argv);
    return code ?? EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_CANNOT_CHECK;
    if (err instanceof CliError) {
      process.stderr.write(`meshtrace: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`meshtrace: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT_CANNOT_CHECK;
  }
}

process.exitCode = await run(process.argv);
