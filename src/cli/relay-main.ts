/**
 * Entry of the relay bundle that runs in Kubernetes (built by `src/stack/relay-bundle`): only the
 * `relay` command, with the CLI's flags, exit codes and SIGTERM handling — no tsx, no cdk8s, no
 * other command. It lives in cli/ because it is a CLI entry point: the relay never imports the CLI.
 */
import { Command } from 'commander';
import { registerRelay } from './relay';
import { runProgram } from './run-program';

async function run(argv: string[]): Promise<number> {
  const program = new Command('meshtrace').exitOverride();
  registerRelay(program);
  return runProgram(program, argv);
}

run(process.argv).then((code) => {
  process.exitCode = code;
});
