import { Command, Option } from 'commander';
import { EXIT_OK, setExitCode } from './exit-codes';
import { addLaneOptions, laneOptionsFrom, type LaneCliOptions } from '../cluster/lane-options';

/** `meshtrace up`: synth, kind cluster, Istio, Traefik, apply, wait; `--dry-run` prints the steps. */
export function registerUp(program: Command): void {
  const command = program
    .command('up')
    .description(
      'create a kind cluster, install the synthesized tracing stack (Jaeger, Istio, Traefik, demo apps) and wait until it is ready',
    );
  addLaneOptions(command).addOption(new Option('--json', 'print the plan (with --dry-run) or the step results as one JSON document'));
  command.action(async (opts: LaneCliOptions & { json?: boolean }) => {
    // the lane (synth, executor, Kubernetes client) loads only when the command runs
    const { prepareLane, printPlan, runLane } = await import('../cluster/cli-support');
    const { planUp } = await import('../cluster/plan');
    const lane = await prepareLane('up', laneOptionsFrom(opts), Boolean(opts.dryRun));
    const steps = planUp(lane.input);
    if (opts.dryRun) {
      printPlan('up', lane, steps, Boolean(opts.json));
      setExitCode(command, EXIT_OK);
      return;
    }
    const result = await runLane(lane, steps, { json: Boolean(opts.json) });
    setExitCode(command, result.exitCode);
  });
}
