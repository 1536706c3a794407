import { Command, Option } from 'commander';
import { CliError, EXIT_CANNOT_CHECK, EXIT_OK, setExitCode } from './exit-codes';

interface DownCliOptions {
  readonly name: string;
  readonly stateDir: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** `meshtrace down`: delete the kind cluster the kit created, never one it did not create. */
export function registerDown(program: Command): void {
  const command = program
    .command('down')
    .description('delete the kind cluster `meshtrace up` created (a cluster meshtrace did not create is left alone)')
    .addOption(new Option('--name <cluster>', 'kind cluster name').default('meshtrace'))
    .addOption(new Option('--state-dir <dir>', 'where the kit records clusters it created').default('.meshtrace'))
    .addOption(new Option('--dry-run', 'print the steps without running them'))
    .addOption(new Option('--json', 'print the plan (with --dry-run) or the result as one JSON document'));
  command.action(async (opts: DownCliOptions) => {
    // Loaded per command, so `meshtrace --help` does not load execa and the cluster lane.
    const { planDown } = await import('../cluster/plan');
    const { ExecaRunner } = await import('../cluster/runner');
    const { detectTools, missingTools, REQUIRED_TOOLS } = await import('../cluster/tools');
    const { clusterState } = await import('../cluster/lane');
    const { renderPlan } = await import('../cluster/render');
    const { executePlan } = await import('../cluster/executor');
    const { LazyClientNodeKube } = await import('../cluster/lazy-kube');
    const runner = new ExecaRunner();
    const root = process.cwd();
    const tools = await detectTools(runner);
    const missing = missingTools(tools, REQUIRED_TOOLS.down);
    if (missing.length && !opts.dryRun) {
      throw new CliError(`cannot run \`meshtrace down\`: required tools are missing:\n  - ${missing.join('\n  - ')}`, EXIT_CANNOT_CHECK);
    }
    const cluster = await clusterState(runner, tools, root, opts.stateDir, opts.name);
    const steps = planDown({ clusterName: opts.name, cluster, stateDir: opts.stateDir });
    if (opts.dryRun) {
      const out = opts.json
        ? `${JSON.stringify({ command: 'down', cluster: opts.name, state: cluster, warnings: missing, steps }, null, 2)}\n`
        : [
            ...missing.map((m) => `# warning: missing: ${m}`),
            renderPlan(`meshtrace down --dry-run: kind cluster "${opts.name}"`, steps),
          ].join('\n');
      process.stdout.write(out);
      setExitCode(command, EXIT_OK);
      return;
    }
    const result = await executePlan(steps, {
      runner,
      root,
      kubeFor: (c) => new LazyClientNodeKube(c),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ exitCode: result.exitCode, summary: result.summary }, null, 2)}\n`
        : `${result.exitCode === 0 ? 'ok' : 'FAILED'}: ${result.summary}\n`,
    );
    setExitCode(command, result.exitCode);
  });
}
