import { Command, Option } from 'commander';
import type { Finding } from '../check/finding';
import { PROFILE_NAMES } from '../config/profile-names';
import { CliError, EXIT_CANNOT_CHECK, EXIT_FAILED, EXIT_OK, setExitCode } from './exit-codes';

interface SynthFlags {
  clean?: boolean;
  config?: string;
  profile?: string;
  outdir: string;
  forceOutdir?: boolean;
  stdout?: boolean;
  json?: boolean;
  quiet?: boolean;
  cluster?: string;
  centralCollector?: string;
}

function findingLine(f: Finding): string {
  const where = [f.file, f.object, f.field].filter(Boolean).join(': ');
  return `${f.severity}: ${where ? `${where}: ` : ''}${f.message} [${f.rule}]${f.fix ? ` fix: ${f.fix}` : ''}`;
}

type Stack = typeof import('../stack/index');
type ConfigLoad = typeof import('../config/load');
type SynthResult = Awaited<ReturnType<Stack['synthesize']>>;

/** What every phase of the synth action prints to and sets the exit code on. */
interface SynthRun {
  readonly flags: SynthFlags;
  readonly cmd: Command;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stack: Stack;
  readonly config: ConfigLoad;
  readonly overrides: ReturnType<(typeof import('../config/multicluster'))['multiclusterOverrides']>;
}

/** `--clean`: removes what an earlier synth wrote (only unedited files), then stops. */
async function synthClean({ flags, cmd, out, err, stack }: SynthRun): Promise<void> {
  const report = await stack.cleanOutput(flags.outdir);
  if (report.recovered) err(`meshtrace synth: ${stack.describeRecovery(report.recovered, report.outdir)}`);
  for (const p of report.keptEdited) err(`warning: ${p} was edited since meshtrace wrote it; left in place`);
  for (const w of report.warnings) err(`warning: ${w}`);
  if (report.perFileReason) err(`meshtrace synth --clean: ${stack.describePerFile(report.perFileReason)}`);
  if (flags.json) out(JSON.stringify({ ok: true, ...report }, null, 2));
  else if (!flags.quiet)
    out(`meshtrace synth --clean: ${report.removed.length} removed from ${report.outdir}, ${report.keptEdited.length} kept (edited)`);
  setExitCode(cmd, EXIT_OK);
}

/** `--stdout`: the checked manifests on stdout, nothing written; error findings are exit 1. */
async function synthToStdout({ flags, cmd, err, stack, config, overrides }: SynthRun): Promise<void> {
  const loaded = await config.loadConfig({ config: flags.config, profile: flags.profile, overrides });
  const { stack: built, findings } = await stack.buildAndCheck(loaded);
  for (const f of findings) err(findingLine(f));
  if (findings.some((f) => f.severity === 'error')) {
    setExitCode(cmd, EXIT_FAILED);
    return;
  }
  process.stdout.write(built.files.map((f) => `# file: ${f.path}\n${f.content}`).join('---\n'));
  setExitCode(cmd, EXIT_OK);
}

/** The `--json` document of a successful synth. */
function synthJson(result: SynthResult): string {
  const w = result.write;
  return JSON.stringify(
    {
      ok: true,
      profile: result.config.profile,
      outdir: w.outdir,
      changed: w.changed,
      written: w.written,
      unchanged: w.unchanged,
      removed: w.removed,
      keptEdited: w.keptEdited,
      recovered: w.recovered ?? null,
      protocol: w.protocol ?? null,
      perFileReason: w.perFileReason ?? null,
      warnings: w.warnings,
      findings: result.findings,
      timings: result.timings,
    },
    null,
    2,
  );
}

/** The human summary: findings, edited leftovers, then one line of counts. */
function printSynthSummary({ out, err }: SynthRun, result: SynthResult): void {
  const w = result.write;
  for (const f of result.findings) err(findingLine(f));
  for (const p of w.keptEdited) err(`warning: ${p} is no longer produced but was edited since meshtrace wrote it; left in place`);
  const counts = `${w.written.length} written, ${w.unchanged.length} unchanged, ${w.removed.length} removed`;
  const size = `${result.stack.docs.length} objects, ${result.stack.files.length} files`;
  out(
    `meshtrace synth: profile ${result.config.profile} -> ${w.outdir}: ${w.changed ? `${counts} (${size})` : `nothing changed (${counts}; ${size})`}`,
  );
}

/** The default: synthesize, check and write --outdir atomically. */
async function synthToOutdir(run: SynthRun): Promise<void> {
  const { flags, cmd, out, err, stack, overrides } = run;
  const result = await stack.synthesize({
    config: flags.config,
    profile: flags.profile,
    outdir: flags.outdir,
    overrides,
    forceOutdir: flags.forceOutdir,
  });
  const w = result.write;
  // Said even with --quiet/--json: an earlier run's interrupted write was finished here.
  if (w.recovered) err(`meshtrace synth: ${stack.describeRecovery(w.recovered, w.outdir)}`);
  for (const warning of w.warnings) err(`warning: ${warning}`);
  // Said even with --quiet: the output folder was not swapped whole, so a kill there would have left a mix.
  if (w.perFileReason) err(`meshtrace synth: ${stack.describePerFile(w.perFileReason)}`);
  if (flags.json) out(synthJson(result));
  else if (!flags.quiet) printSynthSummary(run, result);
  setExitCode(cmd, EXIT_OK);
}

/** A failed synth: a wrong config or failed check is reported and exit 1; could-not-do-the-job is exit 2; the rest rethrown. */
function reportSynthFailure({ flags, cmd, out, err, stack, config }: SynthRun, e: unknown): void {
  if (e instanceof config.ConfigError) {
    if (flags.json) out(JSON.stringify({ ok: false, source: e.source, problems: e.problems }, null, 2));
    for (const line of e.lines()) err(line);
    err(`meshtrace synth: config not valid (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}); nothing was written`);
    setExitCode(cmd, e.kind === 'invalid' ? EXIT_FAILED : EXIT_CANNOT_CHECK);
    return;
  }
  if (e instanceof stack.SynthCheckError) {
    if (flags.json) out(JSON.stringify({ ok: false, findings: e.findings }, null, 2));
    for (const f of e.findings) err(findingLine(f));
    err(`meshtrace synth: ${e.message}`);
    setExitCode(cmd, EXIT_FAILED);
    return;
  }
  // The writer's message says what the output folder holds now (unchanged, rolled back, or pending recovery).
  if (e instanceof stack.OutputWriteError) throw new CliError(e.message, EXIT_CANNOT_CHECK);
  // Any other filesystem error (the writer wraps its own): could not do the job (exit 2).
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    throw new CliError(`cannot synthesize into ${flags.outdir}: ${(e as Error).message}`, EXIT_CANNOT_CHECK);
  // Construct validation errors (bad props that passed the schema) are a wrong config too.
  if (e instanceof Error && /^[A-Z][a-z][A-Za-z]*: |construct validation failed/.test(e.message)) {
    err(`meshtrace synth: ${e.message}; nothing was written`);
    setExitCode(cmd, EXIT_FAILED);
    return;
  }
  throw e;
}

async function runSynth(flags: SynthFlags, cmd: Command): Promise<void> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const err = (text: string) => process.stderr.write(`${text}\n`);
  // Loaded on use: the stack pulls in cdk8s and the checkers, which other commands never need.
  const config = await import('../config/load');
  const stack = await import('../stack/index');
  // --cluster / --central-collector are config fields given as flags: merged over the file or profile and validated with it.
  const { multiclusterOverrides } = await import('../config/multicluster');
  const overrides = multiclusterOverrides(flags.cluster, flags.centralCollector);
  const run: SynthRun = { flags, cmd, out, err, stack, config, overrides };
  try {
    if (flags.clean) await synthClean(run);
    else if (flags.stdout) await synthToStdout(run);
    else await synthToOutdir(run);
  } catch (e) {
    reportSynthFailure(run, e);
  }
}

/** `meshtrace synth`: config → manifests in dist/ (checked, atomic). Thin: the work is in src/stack. */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('synthesize the tracing stack into a folder (default dist/), checked, written atomically')
    .option('-c, --config <file>', 'YAML config file (its `profile:` field picks the base profile)')
    .addOption(new Option('-p, --profile <name>', 'named profile when no --config is given (default: lab)').choices([...PROFILE_NAMES]))
    .option(
      '-o, --outdir <dir>',
      'output folder; refused: / and your home folder, and a non-empty folder without .meshtrace-owned (one synth did not write)',
      'dist',
    )
    .option(
      '--force-outdir',
      'take over a non-empty --outdir that synth did not write (its files stay; same-named files are still never overwritten)',
    )
    .option('--stdout', 'print the manifests to stdout instead of writing them')
    .option('--clean', 'remove the files an earlier synth wrote to --outdir (only those, and only if unedited), then stop')
    .option('--json', 'print one JSON document with the result')
    .option('-q, --quiet', 'print nothing on success')
    .option('--cluster <name>', "multi-cluster: this cluster's name (k8s.cluster.name on every span); sets multicluster.clusterName")
    .option(
      '--central-collector <endpoint>',
      'multi-cluster: run an edge collector forwarding OTLP here (host:4317, or http(s)://host:4318 for OTLP/HTTP) instead of a local Jaeger; sets multicluster.centralCollector',
    )
    .action(runSynth);
}
