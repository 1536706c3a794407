import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `relay` command.
export function registerRelay(program: Command): void {
  program
    .command('relay')
    .description('relay (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`relay` is not implemented yet');
    });
}
