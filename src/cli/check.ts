import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `check` command.
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`check` is not implemented yet');
    });
}
