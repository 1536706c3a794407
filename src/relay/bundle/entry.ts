/**
 * Entry of the relay bundle that runs in Kubernetes (see `bundle.ts`): only the `relay` command, with
 * the CLI's flags, exit codes and SIGTERM handling — no tsx, no cdk8s, no other command.
 */
import { Command, CommanderError } from 'commander';
import { registerRelay } from '../../cli/relay';
import { CliError, EXIT_CANNOT_CHECK, EXIT_OK } from '../../cli/exit-codes';

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

run(process.argv).then((code) => {
  process.exitCode = code;
});
