/**
 * Shared glue of `up`, `smoke` and `down`: flags, gathering the lane input (tools, cluster,
 * synthesized files), `--dry-run` printing and running a plan with the production seams.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT_CANNOT_CHECK, EXIT_FAILED } from '../errors';
import type { DistLayout, LaneInput, ReportStep, Step } from './plan';
import { crdSourcesFor, laneInputProblems } from './plan';
import type { ProcessRunner } from './runner';
import { ExecaRunner } from './runner';
import type { DetectedTools, ToolName } from './tools';
import { missingTools, REQUIRED_TOOLS, sameRelease } from './tools';
import { gatherLaneInput, type LaneOptions } from './lane';
export { addLaneOptions, laneOptionsFrom, type LaneCliOptions } from './lane-options';
import { previewLayout, stackSynthesizer, type Synthesizer } from './synth';
import { readDistLayout } from './dist-layout';
import { kindMisfits } from './kind-fit';
import { loadConfig } from '../config/load';
import { renderPlan } from './render';
import { executePlan, type ExecutionResult, type Verifier } from './executor';
import { LazyClientNodeKube } from './lazy-kube';
import { collectArtifacts } from './artifacts';
import { summaryMarkdown } from './reports';

export interface PreparedLane {
  readonly input: LaneInput;
  readonly tools: DetectedTools;
  /** Shown above a dry-run plan (missing tools, fallbacks). */
  readonly warnings: readonly string[];
  readonly runner: ProcessRunner;
  readonly root: string;
}

export interface LaneSeams {
  readonly runner?: ProcessRunner;
  readonly synth?: Synthesizer;
  readonly root?: string;
}

function synthError(err: unknown): CliError {
  const e = err as Error;
  // a config the schema rejects is "the thing checked is wrong"; anything else means we could not synth
  const unreadable = (e as { kind?: string })?.kind === 'unreadable';
  const code =
    !unreadable && (e?.name === 'ConfigError' || e?.name === 'SynthCheckError' || e?.name === 'ZodError') ? EXIT_FAILED : EXIT_CANNOT_CHECK;
  return new CliError(`synth failed: ${e?.message ?? String(err)}`, code);
}

/**
 * Gathers everything a plan needs. Dry-run: synthesizes into a temporary folder (dist/ is left
 * alone) and only warns about missing tools. Real run: missing tools end it with exit 2 before
 * anything is written; then synth writes the real output folder.
 */
export async function prepareLane(
  command: 'up' | 'smoke',
  options: LaneOptions,
  dryRun: boolean,
  seams: LaneSeams = {},
): Promise<PreparedLane> {
  const runner = seams.runner ?? new ExecaRunner();
  const synth = seams.synth ?? stackSynthesizer;
  const root = seams.root ?? process.cwd();
  const distDir = options.distDir ?? 'dist';
  const warnings: string[] = [];
  const probe = await gatherLaneInput(runner, root, options, emptyLayout(distDir));
  const missing = missingTools(probe.tools, REQUIRED_TOOLS[command]);
  if (missing.length && !dryRun) {
    throw new CliError(
      `cannot run \`meshtrace ${command}\`: ${missing.length === 1 ? 'a required tool is' : 'required tools are'} missing:\n  - ${missing.join('\n  - ')}`,
      EXIT_CANNOT_CHECK,
    );
  }
  for (const m of missing) warnings.push(`missing: ${m}`);
  const kindTool = probe.tools.kind;
  if (kindTool.found && !kindTool.problem && !sameRelease(kindTool.version, probe.input.versions.kind)) {
    warnings.push(
      `kind ${kindTool.version ?? '(unknown)'} is not the pinned ${probe.input.versions.kind}: the node image in kind.yaml is built for ${probe.input.versions.kind}`,
    );
  }
  let dist: DistLayout;
  const request = { profile: options.configFile ? undefined : options.profile, configFile: options.configFile };
  await refuseWhatKindCannotRun(command, request);
  if (dryRun) {
    try {
      dist = await previewLayout(synth, request, distDir);
    } catch (err) {
      throw synthError(err);
    }
  } else {
    try {
      await synth({ ...request, outdir: join(root, distDir) });
    } catch (err) {
      throw synthError(err);
    }
    dist = readDistLayout(root, distDir);
  }
  const input: LaneInput = { ...probe.input, dist };
  const problems = laneInputProblems(input, command);
  if (problems.length) {
    throw new CliError(`cannot plan \`meshtrace ${command}\`:\n  - ${problems.join('\n  - ')}`, EXIT_FAILED);
  }
  return { input, tools: probe.tools, warnings, runner, root };
}

/**
 * A stack that needs things a new kind cluster lacks (external storage, brokers) cannot be
 * brought up by this lane at all: exit 2 ("could not run"), naming each missing thing, before
 * anything is synthesized or created. A config that does not load is left to synth's own errors.
 */
async function refuseWhatKindCannotRun(command: 'up' | 'smoke', request: { profile?: string; configFile?: string }): Promise<void> {
  let misfits: string[];
  try {
    misfits = kindMisfits(await loadConfig({ profile: request.profile, config: request.configFile }));
  } catch {
    return;
  }
  if (misfits.length === 0) return;
  const what = request.configFile ? `config ${request.configFile}` : `profile ${request.profile ?? 'lab'}`;
  throw new CliError(
    `cannot run \`meshtrace ${command}\` with ${what}: this stack cannot run on a new kind cluster:\n  - ${misfits.join('\n  - ')}\n` +
      'run `up`/`smoke` with the lab or ci profile (or a config with in-cluster storage); apply this one to a cluster that has these services: `npx meshtrace synth` then `kubectl apply -f dist`',
    EXIT_CANNOT_CHECK,
  );
}

function emptyLayout(dir: string): DistLayout {
  return { dir, manifests: [], workloads: [], services: [], namespaces: [] };
}

function toolLine(tools: DetectedTools): string {
  return (Object.keys(tools) as ToolName[])
    .map((t) => `${t} ${tools[t].found ? (tools[t].problem ? '(unusable)' : (tools[t].version ?? '(version?)')) : '(missing)'}`)
    .join(', ');
}

/** Prints a dry-run plan (text, or one JSON document with `--json`) on stdout. */
export function printPlan(
  command: string,
  lane: PreparedLane,
  steps: readonly Step[],
  json: boolean,
  write: (text: string) => void = (t) => process.stdout.write(t),
): void {
  if (json) {
    write(
      `${JSON.stringify({ command, profile: lane.input.profile, cluster: lane.input.clusterName, versions: lane.input.versions, tools: lane.tools, warnings: lane.warnings, steps }, null, 2)}\n`,
    );
    return;
  }
  const head = [
    `# meshtrace ${command} --dry-run: profile ${lane.input.configFile ? `(config ${lane.input.configFile})` : lane.input.profile}, kind cluster "${lane.input.clusterName}" (context kind-${lane.input.clusterName})`,
    `# versions: kind ${lane.input.versions.kind}, node ${lane.input.dist.kindNodeImage ?? lane.input.versions.kindNodeImage}, Istio ${lane.input.versions.istio}, Traefik chart ${lane.input.dist.traefikChart ?? lane.input.versions.traefikChart}${crdSourcesFor(lane.input.dist).has('gateway-api') ? `, Gateway API ${lane.input.versions.gatewayApi}` : ''}`,
    `# tools: ${toolLine(lane.tools)}`,
    ...lane.warnings.map((w) => `# warning: ${w}`),
    '',
  ];
  write(head.join('\n') + renderPlan('# steps (each line is a command to paste, or a comment):', steps));
}

export interface RunLaneOptions {
  readonly json: boolean;
  readonly verifier?: Verifier;
  readonly synthDone?: boolean;
  readonly write?: (text: string) => void;
  readonly log?: (line: string) => void;
}

/** Runs a plan with the production seams; progress on stderr, the summary (or JSON) on stdout. */
export async function runLane(lane: PreparedLane, steps: readonly Step[], options: RunLaneOptions): Promise<ExecutionResult> {
  const write = options.write ?? ((t: string) => process.stdout.write(t));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const result = await executePlan(steps, {
    runner: lane.runner,
    kubeFor: (context) => new LazyClientNodeKube(context),
    verifier: options.verifier,
    collect: collectArtifacts,
    root: lane.root,
    log,
    synthDone: options.synthDone ?? true,
  });
  // GitHub Actions shows this on the job page; other CI systems ignore a variable they do not set
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  const report = steps.find((s): s is ReportStep => s.kind === 'report');
  if (summaryFile && report) {
    appendFileSync(
      summaryFile,
      summaryMarkdown({ outcomes: result.outcomes, verifications: result.verifications, now: new Date(), skipped: report.skipped }),
    );
  }
  if (options.json) {
    write(
      `${JSON.stringify({ exitCode: result.exitCode, summary: result.summary, steps: result.outcomes.map((o) => ({ kind: o.step.kind, status: o.status, message: o.message, durationMs: o.durationMs })), specs: result.verifications }, null, 2)}\n`,
    );
  } else {
    write(`${result.exitCode === 0 ? 'ok' : 'FAILED'}: ${result.summary}\n`);
  }
  return result;
}

/** True when the folder exists (for messages about the spec files smoke needs). */
export function exists(root: string, rel: string): boolean {
  return existsSync(join(root, rel));
}
