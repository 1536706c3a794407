import { Command, Option } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_OK, setExitCode } from './exit-codes';
import { addLaneOptions, laneOptionsFrom, type LaneCliOptions } from '../cluster/lane-options';
import { secondsFlag } from './flags';

interface SmokeCliOptions extends LaneCliOptions {
  readonly json?: boolean;
  readonly results: string;
  readonly keepCluster?: boolean;
  readonly specs: string;
  readonly verifyTimeout: string;
}

/** `meshtrace smoke`: `up`, verify every shipped spec against Jaeger, reports, artifacts on failure, clean-up. */
export function registerSmoke(program: Command): void {
  const command = program
    .command('smoke')
    .description(
      'bring the stack up on kind, verify Bookinfo, HotROD and the relay chain traces in Jaeger, write JUnit/JSON and (on failure) artifacts',
    );
  addLaneOptions(command)
    .addOption(new Option('--results <dir>', 'folder for junit.xml, results.json and artifacts/').default('meshtrace-smoke'))
    .addOption(new Option('--specs <dir>', 'folder of the trace specs').default('samples/expectations'))
    .addOption(new Option('--verify-timeout <duration>', 'how long each spec may take to appear complete in Jaeger').default('150s'))
    .addOption(new Option('--keep-cluster', 'keep a cluster this run created (default: delete it after collecting artifacts)'))
    .addOption(new Option('--json', 'print the plan (with --dry-run) or the results as one JSON document'));
  command.action(async (opts: SmokeCliOptions) => {
    const verifyTimeoutSeconds = secondsFlag('--verify-timeout', opts.verifyTimeout);
    // the lane (synth, executor, verifier, Kubernetes client) loads only when the command runs
    const { exists, prepareLane, printPlan, runLane } = await import('../cluster/cli-support');
    const { planSmoke } = await import('../cluster/plan');
    const { smokeTargetsFor } = await import('../cluster/lane');
    const { libraryVerifier } = await import('../cluster/verifier');
    const lane = await prepareLane('smoke', laneOptionsFrom(opts), Boolean(opts.dryRun));
    const candidates = smokeTargetsFor(lane.input.dist, opts.specs);
    // a spec this checkout does not ship is skipped (and reported as skipped), not a failed run
    const targets = candidates.targets.filter((t) => exists(lane.root, t.spec));
    const skipped = [
      ...candidates.skipped,
      ...candidates.targets.filter((t) => !targets.includes(t)).map((t) => `${t.name}: ${t.spec} does not exist, spec not run`),
    ];
    if (targets.length === 0) throw new CliError(`nothing to verify: ${skipped.join('; ')} (--specs ${opts.specs})`, EXIT_CANNOT_CHECK);
    const warnings = [...lane.warnings, ...skipped.map((s) => `skipped ${s}`)];
    if (!opts.dryRun) for (const s of skipped) process.stderr.write(`meshtrace smoke: skipped ${s}\n`);
    const steps = planSmoke({
      ...lane.input,
      targets,
      skipped,
      outDir: opts.results,
      keepCluster: Boolean(opts.keepCluster),
      verifyTimeoutSeconds,
    });
    if (opts.dryRun) {
      printPlan('smoke', { ...lane, warnings }, steps, Boolean(opts.json));
      setExitCode(command, EXIT_OK);
      return;
    }
    const result = await runLane(lane, steps, { json: Boolean(opts.json), verifier: libraryVerifier(lane.root) });
    setExitCode(command, result.exitCode);
  });
}
