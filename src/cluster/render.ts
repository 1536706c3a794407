/** Prints a plan for `--dry-run`: numbered steps, commands a user can paste into a shell. */
import type { Step } from './plan';

/** Quotes one shell word only when it needs it (POSIX single quotes). */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(shellQuote).join(' ');
}

function target(t: { namespace: string; service: string; port: number }): string {
  return `svc/${t.service} -n ${t.namespace} port ${t.port}`;
}

/** One step as display lines (first line is the action; the rest are indented details). */
export function describeStep(step: Step): string[] {
  switch (step.kind) {
    case 'synth':
      return [commandLine('meshtrace', ['synth', ...(step.configFile ? ['--config', step.configFile] : ['--profile', step.profile]), '--outdir', step.outdir])];
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
      return [`mark cluster ${step.clusterName}: write ${step.markerFile} and ConfigMap kube-system/meshtrace-owner (context ${step.context})`];
    case 'check-owner':
      return [`check that meshtrace created ${step.clusterName}: ${step.markerFile} token == ConfigMap kube-system/meshtrace-owner token (context ${step.context})`];
    case 'unmark-cluster':
      return [`remove ${step.markerFile}`];
    case 'port-forward':
      return [`port-forward ${target(step.target)} → 127.0.0.1:<free port>  [${step.id}]`];
    case 'verify': {
      const headers = Object.entries(step.headers).map(([k, v]) => ` -H ${shellQuote(`${k}: ${v}`)}`).join('');
      return [`verify ${step.name}: GET ${step.path}${headers} via [${step.trigger}], expect ${step.spec} in Jaeger [${step.jaeger}] within ${step.timeoutSeconds}s`];
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

/** The whole plan as text. */
export function renderPlan(title: string, steps: readonly Step[]): string {
  const lines = [title];
  steps.forEach((step, i) => {
    const [first, ...rest] = describeStep(step);
    lines.push(`${String(i + 1).padStart(2)}. ${first}${whenLabel(step)}`);
    for (const r of rest) lines.push(`      ${r}`);
    lines.push(`      # ${step.why}`);
  });
  return `${lines.join('\n')}\n`;
}
