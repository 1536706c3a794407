/**
 * Entry point of one demo hop: exactly the `meshtrace relay` command (same flags, same start-up
 * line, same SIGTERM drain), but loading only that command. `bin/meshtrace.mjs` imports every
 * command module (cdk8s, kubernetes models, …) before it parses argv: measured here that is
 * ~2.4 s of CPU per process against ~0.6 s for the relay alone, and the demo starts five hops
 * on a 2-core machine. `npx meshtrace relay …` behaves the same; the demo prints that form.
 */
import { Command } from 'commander';
import { registerRelay } from '../cli/relay';
import { runProgram } from '../cli/run-program';
import { PARENT_PID_ENV } from './relay-hop-env';

async function run(argv: string[]): Promise<number> {
  const program = new Command('meshtrace').exitOverride();
  registerRelay(program);
  return runProgram(program, argv);
}

/**
 * A hop must not outlive its demo, even when the demo is killed with SIGKILL (nothing can catch
 * that, so the demo cannot stop its hops then). The hop watches the demo's pid and stops itself
 * the way the demo would have stopped it: SIGTERM, which drains and exits.
 */
function stopWhenParentDies(): void {
  const parent = Number(process.env[PARENT_PID_ENV]);
  if (!Number.isInteger(parent) || parent <= 1) return;
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
        clearInterval(timer);
        process.stderr.write(`relay: the demo process ${parent} is gone; stopping\n`);
        process.kill(process.pid, 'SIGTERM');
      }
    }
  }, 500);
  timer.unref();
}

stopWhenParentDies();
process.exitCode = await run(process.argv);
