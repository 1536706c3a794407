import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `verify` command.
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`verify` is not implemented yet');
    });
}
