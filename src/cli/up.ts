import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `up` command.
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('up (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`up` is not implemented yet');
    });
}
