/**
 * Prints a plan for `--dry-run` as a shell script: every line is either a command a person can
 * paste as printed, or a `#` comment (what the step is for, and what the lane does itself beyond
 * commands: ownership markers, reports, artifacts). `describeStep` gives the one-line label that
 * progress logs and reports use.
 */
import type { PortForwardStep, Step, VerifyStep } from './plan';

/** Quotes one shell word only when it needs it (POSIX single quotes). */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(shellQuote).join(' ');
}

function synthCommand(step: Extract<Step, { kind: 'synth' }>): string {
  return commandLine('npx', [
    'meshtrace',
    'synth',
    ...(step.configFile ? ['--config', step.configFile] : ['--profile', step.profile]),
    '--outdir',
    step.outdir,
  ]);
}

function target(t: { namespace: string; service: string; port: number }): string {
  return `svc/${t.service} -n ${t.namespace} port ${t.port}`;
}

/** One step as display lines (first line is the action; the rest are indented details). */
export function describeStep(step: Step): string[] {
  switch (step.kind) {
    case 'synth':
      return [synthCommand(step)];
    case 'run':
      return [commandLine(step.cmd, step.args)];
    case 'apply':
      return [commandLine(step.cmd, step.args), ...step.files.map((f) => `  applies ${f}`)];
    case 'wait':
      return [
        `wait up to ${step.timeoutSeconds}s (context ${step.context}) for ${step.resources.length} workloads:`,
        ...step.resources.map((r) => `  ${r.kind.toLowerCase()}/${r.name} -n ${r.namespace}`),
      ];
    case 'mark-cluster':
      return [
        `mark cluster ${step.clusterName}: write ${step.markerFile} and ConfigMap kube-system/meshtrace-owner (context ${step.context})`,
      ];
    case 'check-owner':
      return [
        `check that meshtrace created ${step.clusterName}: ${step.markerFile} token == ConfigMap kube-system/meshtrace-owner token (context ${step.context})`,
      ];
    case 'unmark-cluster':
      return [`remove ${step.markerFile}`];
    case 'port-forward':
      return [`port-forward ${target(step.target)} → 127.0.0.1:<free port>  [${step.id}]`];
    case 'verify': {
      const headers = Object.entries(step.headers)
        .map(([k, v]) => ` -H ${shellQuote(`${k}: ${v}`)}`)
        .join('');
      return [
        `verify ${step.name}: GET ${step.path}${headers} via [${step.trigger}], expect ${step.spec} in Jaeger [${step.jaeger}] within ${step.timeoutSeconds}s`,
      ];
    }
    case 'report':
      return [`write ${step.junitFile} and ${step.jsonFile}`, ...(step.skipped ?? []).map((s) => `  reports as skipped: ${s}`)];
    case 'collect-artifacts':
      return [
        `collect into ${step.dir}: pods and events in ${step.namespaces.join(', ')}; logs of failing hops and jaeger-collector; ` +
          `${target(step.collector)} /metrics (refused/failed spans)` +
          (step.istioctl ? '; istioctl proxy-config (tracing) of the failing hops' : '') +
          '; diagnosis',
      ];
    case 'close-port-forwards':
      return ['close every port-forward'];
    case 'note':
      return step.lines.map((l, i) => (i === 0 ? l : `  ${l}`));
  }
}

const WHEN_LABEL = { ok: '', 'on-failure': ' (only after a failure)', always: ' (always)' } as const;
function whenLabel(step: Step): string {
  const when = WHEN_LABEL[step.when ?? 'ok'];
  if (!step.onlyIfMarked) return when;
  return when ? `${when.slice(0, -1)}, if this run created and marked the cluster)` : ' (if this run created and marked the cluster)';
}

/** `kubectl port-forward` as a person runs it, in the background of their shell. */
function portForwardCommand(step: PortForwardStep): string {
  const t = step.target;
  return `${commandLine('kubectl', ['--context', step.context, '-n', t.namespace, 'port-forward', `svc/${t.service}`, `${step.localPort}:${t.port}`])} &`;
}

function verifyCommand(step: VerifyStep, localPorts: ReadonlyMap<string, number>): string {
  const at = (id: string): string => `http://127.0.0.1:${localPorts.get(id) ?? 0}`;
  return commandLine('npx', [
    'meshtrace',
    'verify',
    '--spec',
    step.spec,
    '--jaeger-url',
    at(step.jaeger),
    '--trigger',
    `${at(step.trigger)}${step.path}`,
    ...Object.entries(step.headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]),
    '--timeout',
    `${step.timeoutSeconds}s`,
  ]);
}

/**
 * One step as script lines: `#` comments, then the commands. Steps the lane performs itself
 * (no command exists for them) are comments only.
 */
export function stepScript(step: Step, localPorts: ReadonlyMap<string, number> = new Map()): string[] {
  const comment = (line: string): string => `#   ${line}`;
  switch (step.kind) {
    case 'synth':
      return [synthCommand(step)];
    case 'run':
      return [commandLine(step.cmd, step.args)];
    case 'apply':
      return [...step.files.map((f) => comment(`applies ${f}`)), commandLine(step.cmd, step.args)];
    case 'wait':
      return [
        comment(`the lane waits up to ${step.timeoutSeconds}s for all ${step.resources.length} together; by hand, one rollout at a time:`),
        ...step.resources.map((r) =>
          commandLine('kubectl', [
            '--context',
            step.context,
            '-n',
            r.namespace,
            'rollout',
            'status',
            `${r.kind.toLowerCase()}/${r.name}`,
            `--timeout=${step.timeoutSeconds}s`,
          ]),
        ),
      ];
    case 'port-forward':
      return [comment(`the lane itself binds a free local port (reported as [${step.id}])`), portForwardCommand(step)];
    case 'verify':
      return [verifyCommand(step, localPorts)];
    case 'unmark-cluster':
      return [commandLine('rm', ['-f', step.markerFile])];
    case 'close-port-forwards':
      return [comment('the port-forwards started above with &:'), 'kill $(jobs -p)'];
    case 'mark-cluster':
    case 'check-owner':
    case 'report':
    case 'collect-artifacts':
      return describeStep(step).map((l) => comment(`meshtrace does this itself: ${l.trim()}`));
    case 'note':
      return step.lines.map((l) => noteLine(l));
  }
}

/** A note line: commands and comments stay as they are; plain prose becomes a comment. */
function noteLine(line: string): string {
  return /^(#|kubectl |curl |npx |kind |helm )/.test(line) ? line : `# ${line}`;
}

/** The whole plan as a script: a heading comment per step, then its lines. */
export function renderPlan(title: string, steps: readonly Step[]): string {
  const localPorts = new Map(steps.filter((s): s is PortForwardStep => s.kind === 'port-forward').map((s) => [s.id, s.localPort]));
  const lines = [title.startsWith('#') ? title : `# ${title}`];
  steps.forEach((step, i) => {
    lines.push(`# ${i + 1}. ${step.why}${whenLabel(step)}`);
    lines.push(...stepScript(step, localPorts));
  });
  return `${lines.join('\n')}\n`;
}
