import { Command } from 'commander';
import { CliError } from './exit-codes';

// PLACEHOLDER: replaced by the issue that owns the `synth` command.
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('synth (not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`synth` is not implemented yet');
    });
}
