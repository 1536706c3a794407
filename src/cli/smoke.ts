import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `smoke` command.
export function registerSmoke(program: Command): void {
  program
    .command('smoke')
    .description('smoke (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`smoke` is not implemented yet');
    });
}
