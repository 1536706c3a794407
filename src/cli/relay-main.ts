/**
 * Entry of the relay bundle that runs in Kubernetes (see `bundle.ts`): only the `relay` command, with
 * the CLI's flags, exit codes and SIGTERM handling — no tsx, no cdk8s, no other command.
 */
import { Command } from 'commander';
import { registerRelay } from '../../cli/relay';
import { runProgram } from '../../cli/run-program';

async function run(argv: string[]): Promise<number> {
  const program = new Command('meshtrace').exitOverride();
  registerRelay(program);
  return runProgram(program, argv);
}

run(process.argv).then((code) => {
  process.exitCode = code;
});
