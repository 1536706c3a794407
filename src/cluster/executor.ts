/**
 * Runs a plan. Commands go through the process-runner seam, cluster reads and port-forwards
 * through the Kubernetes seam, trace checks through the verifier seam, so the same executor
 * runs in production and against fakes in tests.
 *
 * Outcome of a step: `ok`; `failed` (a spec did not match: the run goes on so one red run shows
 * every broken path); `broken` (the stack never became ready, or `down` refuses a cluster it did
 * not create: stop, exit 1); `error` (the lane
 * could not run: a command failed, the API was unreachable: stop, exit 2). Steps marked
 * `on-failure` / `always` still run after a stop (artifacts, reports, closing forwards, teardown).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Step, VerifyStep } from './plan';
import type { ProcessRunner } from './runner';
import type { KubeApi } from './kube';
import type { Synthesizer } from './synth';
import type { OpenForward } from './port-forward';
import { openPortForward } from './port-forward';
import { describeNotReady, waitForWorkloads } from './wait';
import { createOwnerConfigMapArgs, readMarker, readOwnerTokenArgs, removeMarker, writeMarker } from './marker';
import { commandLine, describeStep } from './render';
import { writeReports } from './reports';
import type { CollectRequest } from './artifacts';
import type { StepOutcome, StepStatus, Verifier, VerifyOutcome } from './outcome';

export type { StepOutcome, StepStatus, Verifier, VerifyOutcome, VerifyRequest } from './outcome';

export interface ExecutionResult {
  readonly outcomes: readonly StepOutcome[];
  readonly verifications: readonly VerifyOutcome[];
  /** 0 all good; 1 a spec failed or the stack never got ready; 2 the lane could not run. */
  readonly exitCode: 0 | 1 | 2;
  /** One line for the end of the run. */
  readonly summary: string;
}

export interface ExecutorDeps {
  readonly runner: ProcessRunner;
  /** Kubernetes access for a kubeconfig context (created lazily: the cluster may not exist yet). */
  readonly kubeFor: (context: string) => KubeApi;
  readonly verifier?: Verifier;
  readonly synth?: Synthesizer;
  /** Collects failure artifacts (seam so tests can count calls; production: `collectArtifacts`). */
  readonly collect?: (request: CollectRequest) => Promise<string[]>;
  /** Folder relative paths in steps are resolved against. */
  readonly root: string;
  /** Progress lines (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** Skip `synth` steps: the caller already synthesized (it needed the files to plan). */
  readonly synthDone?: boolean;
  readonly newToken?: () => string;
  readonly now?: () => Date;
  /** Poll interval for waits. @default 2000 */
  readonly waitIntervalMs?: number;
}

class StepError extends Error {
  constructor(
    message: string,
    readonly status: 'failed' | 'broken' | 'error',
  ) {
    super(message);
  }
}

function tail(text: string, lines = 15): string {
  const all = text.trim().split('\n');
  return all.slice(-lines).join('\n');
}

/** What the step handlers share during one run: the seams, and what earlier steps produced. */
interface RunState {
  readonly deps: ExecutorDeps;
  /** Outcomes so far: the report and artifact steps read them. */
  readonly outcomes: StepOutcome[];
  readonly verifications: VerifyOutcome[];
  /** Open port-forwards by id (verify steps reach the stack through them). */
  readonly forwards: Map<string, OpenForward>;
  /** One Kubernetes client per context, created on first use (the cluster may not exist before). */
  readonly kube: (context: string) => KubeApi;
  readonly now: () => Date;
}

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;
type StepHandler<K extends Step['kind']> = (step: StepOf<K>, run: RunState) => Promise<string | undefined>;

function memoizedKube(kubeFor: (context: string) => KubeApi): (context: string) => KubeApi {
  const kubes = new Map<string, KubeApi>();
  return (context) => {
    let k = kubes.get(context);
    if (!k) {
      k = kubeFor(context);
      kubes.set(context, k);
    }
    return k;
  };
}

async function runCommand({ deps }: RunState, cmd: string, args: readonly string[], timeoutSeconds?: number): Promise<void> {
  const result = await deps.runner.run(cmd, args, {
    timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : undefined,
    cwd: deps.root,
    onOutput: (chunk) =>
      chunk
        .split('\n')
        .filter((l) => l.trim())
        .forEach((l) => deps.log(`    ${l}`)),
  });
  if (result.notFound) throw new StepError(`${cmd} is not installed (needed for: ${commandLine(cmd, args)})`, 'error');
  if (result.timedOut) throw new StepError(`${commandLine(cmd, args)} did not finish within ${timeoutSeconds}s`, 'error');
  if (result.exitCode !== 0) {
    throw new StepError(`${commandLine(cmd, args)} failed (exit ${result.exitCode}):\n${tail(result.stderr || result.stdout)}`, 'error');
  }
}

function forwardUrl({ forwards }: RunState, id: string, forStep: VerifyStep): string {
  const f = forwards.get(id);
  if (!f) throw new StepError(`${forStep.name}: port-forward [${id}] is not open`, 'error');
  return f.url;
}

const synthStep: StepHandler<'synth'> = async (step, { deps }) => {
  if (deps.synthDone) return 'already synthesized';
  if (!deps.synth) throw new StepError('no synthesizer configured', 'error');
  await deps.synth({ profile: step.profile, configFile: step.configFile, outdir: join(deps.root, step.outdir) });
  return undefined;
};

const commandStep = async (step: StepOf<'run' | 'apply'>, run: RunState): Promise<undefined> => {
  await runCommand(run, step.cmd, step.args, step.kind === 'run' ? step.timeoutSeconds : 600);
  return undefined;
};

const markClusterStep: StepHandler<'mark-cluster'> = async (step, run) => {
  const newToken = run.deps.newToken ?? (() => randomBytes(16).toString('hex'));
  const marker = { cluster: step.clusterName, context: step.context, token: newToken(), createdAt: run.now().toISOString() };
  // in-cluster half first: a marker file without its ConfigMap would make `down` refuse our own cluster
  try {
    await runCommand(run, 'kubectl', createOwnerConfigMapArgs(step.context, marker), 60);
  } catch (err) {
    throw new StepError(
      `${(err as Error).message}\nthe cluster was created but could not be marked, so meshtrace will not delete it: kind delete cluster --name ${step.clusterName}`,
      'error',
    );
  }
  writeMarker(run.deps.root, step.markerFile, marker);
  return `token written to ${step.markerFile}`;
};

const checkOwnerStep: StepHandler<'check-owner'> = async (step, { deps }) => {
  const marker = readMarker(deps.root, step.markerFile);
  if (!marker) {
    throw new StepError(
      `refusing to delete kind cluster "${step.clusterName}": meshtrace did not create it (no ${step.markerFile}). Delete it yourself with: kind delete cluster --name ${step.clusterName}`,
      'broken',
    );
  }
  const result = await deps.runner.run('kubectl', readOwnerTokenArgs(step.context), { timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    throw new StepError(
      `cannot read ConfigMap kube-system/meshtrace-owner through context ${step.context} (exit ${result.exitCode}): ${tail(result.stderr, 3)}. The cluster is left alone; if the context is missing, \`kind export kubeconfig --name ${step.clusterName}\` restores it.`,
      'error',
    );
  }
  if (result.stdout.trim() !== marker.token) {
    throw new StepError(
      `refusing to delete kind cluster "${step.clusterName}": its owner token does not match ${step.markerFile} (a cluster of the same name made by someone else). Delete it yourself if you mean to.`,
      'broken',
    );
  }
  return 'owner token matches';
};

const unmarkClusterStep: StepHandler<'unmark-cluster'> = async (step, { deps }) => {
  removeMarker(deps.root, step.markerFile);
  return undefined;
};

const waitStep: StepHandler<'wait'> = async (step, { deps, kube }) => {
  const result = await waitForWorkloads(kube(step.context), step.resources, {
    timeoutMs: step.timeoutSeconds * 1000,
    intervalMs: deps.waitIntervalMs,
    onProgress: (p) => {
      if (p.justReady)
        deps.log(
          `    ${p.ready}/${p.total} ready (${Math.round(p.elapsedMs / 1000)}s): ${p.justReady.kind.toLowerCase()}/${p.justReady.name} -n ${p.justReady.namespace}`,
        );
    },
  });
  if (!result.ok) throw new StepError(describeNotReady(result), 'broken');
  return `${step.resources.length} workloads ready in ${Math.round(result.elapsedMs / 1000)}s`;
};

const portForwardStep: StepHandler<'port-forward'> = async (step, { forwards, kube }) => {
  const f = await openPortForward(kube(step.context), step.id, step.target);
  forwards.set(step.id, f);
  return `${f.url} → pod ${f.pod}:${f.podPort}`;
};

const verifyStep: StepHandler<'verify'> = async (step, run) => {
  const verifier = run.deps.verifier;
  if (!verifier) throw new StepError('no verifier configured', 'error');
  const triggerUrl = forwardUrl(run, step.trigger, step) + step.path;
  const jaegerUrl = forwardUrl(run, step.jaeger, step);
  const outcome = await verifier({
    name: step.name,
    spec: step.spec,
    triggerUrl,
    headers: step.headers,
    jaegerUrl,
    timeoutMs: step.timeoutSeconds * 1000,
  });
  run.verifications.push(outcome);
  if (!outcome.passed) throw new StepError(`${step.name}: ${outcome.message}`, 'failed');
  return outcome.message;
};

const reportStep: StepHandler<'report'> = async (step, { deps, outcomes, verifications, now }) => {
  writeReports(deps.root, step, { outcomes, verifications, now: now(), skipped: step.skipped });
  return `${step.junitFile}, ${step.jsonFile}`;
};

const collectArtifactsStep: StepHandler<'collect-artifacts'> = async (step, { deps, outcomes, verifications, kube }) => {
  if (!deps.collect) return 'no collector configured';
  const written = await deps.collect({
    kube: kube(step.context),
    runner: deps.runner,
    step,
    root: deps.root,
    outcomes,
    verifications,
    openForward: (id, target) => openPortForward(kube(step.context), id, target),
  });
  return `${written.length} files in ${step.dir}`;
};

const closePortForwardsStep: StepHandler<'close-port-forwards'> = async (_step, { forwards }) => {
  const open = [...forwards.values()];
  forwards.clear();
  await Promise.all(open.map((f) => f.close()));
  return `${open.length} closed`;
};

const noteStep: StepHandler<'note'> = async (step, { deps }) => {
  for (const line of step.lines) deps.log(`    ${line}`);
  return undefined;
};

/** One handler per step kind: what the step does, and the message of its outcome. */
const STEP_HANDLERS: { readonly [K in Step['kind']]: StepHandler<K> } = {
  synth: synthStep,
  run: commandStep,
  apply: commandStep,
  'mark-cluster': markClusterStep,
  'check-owner': checkOwnerStep,
  'unmark-cluster': unmarkClusterStep,
  wait: waitStep,
  'port-forward': portForwardStep,
  verify: verifyStep,
  report: reportStep,
  'collect-artifacts': collectArtifactsStep,
  'close-port-forwards': closePortForwardsStep,
  note: noteStep,
};

function execute(step: Step, run: RunState): Promise<string | undefined> {
  return (STEP_HANDLERS[step.kind] as StepHandler<Step['kind']>)(step, run);
}

async function runOne(step: Step, label: string, run: RunState): Promise<StepOutcome> {
  const started = Date.now();
  // a note prints its own lines
  if (step.kind !== 'note') run.deps.log(`${label} ${describeStep(step)[0]}`);
  try {
    const message = await execute(step, run);
    return { step, status: 'ok', message, durationMs: Date.now() - started };
  } catch (err) {
    const status = err instanceof StepError ? err.status : 'error';
    const message = err instanceof Error ? err.message : String(err);
    run.deps.log(`${label} ${status.toUpperCase()}: ${message}`);
    return { step, status, message, durationMs: Date.now() - started };
  }
}

/** Where the run stands between steps: it decides which of the remaining steps run. */
interface Progress {
  /** A step broke or errored: only `always` / `on-failure` steps run from here on. */
  readonly stopped: boolean;
  readonly anyFailure: boolean;
  /** This run created (and marked) the cluster: `onlyIfMarked` steps may touch it. */
  readonly marked: boolean;
}

function runsNow(step: Step, { stopped, anyFailure, marked }: Progress): boolean {
  const when = step.when ?? 'ok';
  return (when === 'always' || (when === 'ok' && !stopped) || (when === 'on-failure' && anyFailure)) && (!step.onlyIfMarked || marked);
}

function progressAfter(progress: Progress, step: Step, status: StepStatus): Progress {
  return {
    anyFailure: progress.anyFailure || status !== 'ok',
    marked: progress.marked || (step.kind === 'mark-cluster' && status === 'ok'),
    // one spec that cannot be checked (its entry point down) must not hide the others' results
    stopped: progress.stopped || ((status === 'broken' || status === 'error') && step.kind !== 'verify'),
  };
}

function exitCodeOf(outcomes: readonly StepOutcome[]): 0 | 1 | 2 {
  const has = (s: StepStatus): boolean => outcomes.some((o) => o.status === s);
  return has('error') ? 2 : has('broken') || has('failed') ? 1 : 0;
}

function summaryOf(outcomes: readonly StepOutcome[], verifications: readonly VerifyOutcome[], exitCode: 0 | 1 | 2): string {
  if (exitCode === 0)
    return `all ${outcomes.filter((o) => o.status === 'ok').length} steps ok${verifications.length ? `, ${verifications.length} specs passed` : ''}`;
  const stop = outcomes.find((o) => (o.status === 'error' || o.status === 'broken') && o.step.kind !== 'verify');
  if (stop) return `stopped at "${describeStep(stop.step)[0]}": ${stop.message?.split('\n')[0]}`;
  const specOutcomes = outcomes.filter((o) => o.step.kind === 'verify' && o.status !== 'skipped');
  const badSpecs = specOutcomes
    .filter((o) => o.status !== 'ok')
    .map((o) => `${(o.step as VerifyStep).name}${o.status === 'error' ? ' (could not check)' : ''}`);
  return `${badSpecs.length} of ${specOutcomes.length} specs failed: ${badSpecs.join(', ')}`;
}

/** Runs the steps in order; never throws (every problem becomes a step outcome). */
export async function executePlan(steps: readonly Step[], deps: ExecutorDeps): Promise<ExecutionResult> {
  const run: RunState = {
    deps,
    outcomes: [],
    verifications: [],
    forwards: new Map(),
    kube: memoizedKube(deps.kubeFor),
    now: deps.now ?? (() => new Date()),
  };
  let progress: Progress = { stopped: false, anyFailure: false, marked: false };
  for (const [index, step] of steps.entries()) {
    if (!runsNow(step, progress)) {
      run.outcomes.push({ step, status: 'skipped', durationMs: 0 });
      continue;
    }
    const outcome = await runOne(step, `[${index + 1}/${steps.length}]`, run);
    run.outcomes.push(outcome);
    progress = progressAfter(progress, step, outcome.status);
  }
  // a forward left open by a plan without a close step must not keep the process alive
  await Promise.all([...run.forwards.values()].map((f) => f.close()));
  const exitCode = exitCodeOf(run.outcomes);
  return {
    outcomes: run.outcomes,
    verifications: run.verifications,
    exitCode,
    summary: summaryOf(run.outcomes, run.verifications, exitCode),
  };
}
