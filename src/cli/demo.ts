import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `demo` command.
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('demo (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`demo` is not implemented yet');
    });
}
