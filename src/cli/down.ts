import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `down` command.
export function registerDown(program: Command): void {
  program
    .command('down')
    .description('down (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`down` is not implemented yet');
    });
}
