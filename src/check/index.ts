/**
 * Public API of `meshtrace check` (CONTRACT for synth, which checks in memory before writing).
 *
 * `checkManifests` runs every checker over parsed documents: schema (kubernetes-models), the API
 * server's own name/label/size rules, unknown fields, cross-references, the stack's network flows
 * against its NetworkPolicies, Pod Security, installer inputs and the tracing doctor (MT001–MT012).
 * `loadManifestFolder` does the file loading `meshtrace check DIR` does.
 *
 * Suppression (like kube-linter's ignore annotations): an object annotated
 * `meshtrace.dev/check-ignore: "MT004, pod-security"` drops those rules' findings on that object, and
 * `ignore` drops rules everywhere. A rule matches by id or by prefix (`pod-security` = `pod-security/*`).
 */
import type { Finding, ManifestDoc, Severity } from './finding';
import { buildContext } from './context';
import { checkSchemas } from './schema/schema-check';
import { checkCrossReferences } from './xref';
import { checkPodSecurity } from './pod-security';
import { checkInstallInputs, type InstallCheckOptions } from './install-inputs';
import { DOCTOR_RULES } from './doctor';
import { checkEnterpriseReferences } from './enterprise-refs';
import { objectRef } from './objects';
import { checkApiServerRules } from './api-server-check';
import { checkStackFlows } from './stack-flows';

export * from './finding';
export { loadManifestFolder, CheckLoadError, type LoadedFolder } from './load';
export { formatFinding, formatGithubAnnotation, summarize, type CheckSummary } from './format';
export { CATALOGUE, DOCTOR_RULES } from './doctor';
export { checkApiServerRules } from './api-server-check';
export { evaluateFlow, type FlowVerdict, type PodEndpoint } from './network-policy';
export { blockedFlows, requiredFlows, type BlockedFlow, type StackFlow } from './stack-flows';

export interface CheckOptions extends InstallCheckOptions {
  /** Installer inputs (`dist/install/*`: Istio overlay/values, Traefik values, kind config). */
  readonly installDocs?: readonly ManifestDoc[];
  /**
   * Rule ids (or prefixes such as `pod-security`) to drop everywhere.
   * @default - none
   */
  readonly ignore?: readonly string[];
}

/** Annotation listing rules to ignore on one object (comma or space separated). */
export const IGNORE_ANNOTATION = 'meshtrace.dev/check-ignore';

export interface CheckResult {
  /** Findings left after suppression, in folder order. */
  readonly findings: Finding[];
  /** Findings dropped by `ignore` or the object's annotation. */
  readonly ignored: Finding[];
}

export function ruleMatches(rule: string, pattern: string): boolean {
  const p = pattern.trim().replace(/\/\*$/, '');
  return p !== '' && (rule === p || rule.startsWith(`${p}/`));
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Runs every checker over the documents; resolves to all findings (errors make synth fail). */
export async function checkManifests(docs: readonly ManifestDoc[], options: CheckOptions = {}): Promise<Finding[]> {
  return (await checkManifestsDetailed(docs, options)).findings;
}

/** Like checkManifests, also returning what suppression dropped (the CLI reports the count). */
export async function checkManifestsDetailed(docs: readonly ManifestDoc[], options: CheckOptions = {}): Promise<CheckResult> {
  const installDocs = options.installDocs ?? [];
  const ctx = buildContext(docs, installDocs);
  const kubernetesShaped = installDocs.filter((d) => d.object.kind === 'IstioOperator');
  const findings: Finding[] = [
    ...(await checkSchemas([...docs, ...kubernetesShaped])),
    ...checkApiServerRules(docs),
    ...checkCrossReferences(ctx),
    ...checkStackFlows(ctx),
    ...checkPodSecurity(ctx),
    ...checkInstallInputs(ctx, options),
    ...checkEnterpriseReferences(ctx),
    ...DOCTOR_RULES.flatMap((rule) => rule.run(ctx)),
  ];
  // Report in folder order: file by file, objects in document order, errors first within an object.
  const order = new Map<string, number>();
  const lines = new Map<string, number>();
  [...docs, ...installDocs].forEach((d, i) => {
    const ref = findingObjectKey(d);
    if (!order.has(ref)) order.set(ref, i);
    if (d.line !== undefined && !lines.has(ref)) lines.set(ref, d.line);
  });
  const position = (f: Finding): number => order.get(`${f.file}|${f.object ?? ''}`) ?? -1;
  // A finding on an object points at the line its document starts on (GitHub annotations need one).
  const located = findings.map((f) => {
    const line = f.line ?? lines.get(`${f.file}|${f.object ?? ''}`);
    return line === undefined || f.line !== undefined ? f : { ...f, line };
  });
  const sorted = located
    .map((f, i) => ({ f, i, p: position(f) }))
    .sort(
      (a, b) =>
        (a.f.file ?? '').localeCompare(b.f.file ?? '') ||
        a.p - b.p ||
        SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] ||
        a.i - b.i,
    )
    .map((x) => x.f);
  const perObject = new Map<string, string[]>();
  for (const d of docs) {
    const raw = (d.object.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations?.[IGNORE_ANNOTATION];
    if (typeof raw === 'string') perObject.set(findingObjectKey(d), raw.split(/[\s,]+/).filter(Boolean));
  }
  const global = options.ignore ?? [];
  const result: CheckResult = { findings: [], ignored: [] };
  for (const f of sorted) {
    const local = perObject.get(`${f.file}|${f.object ?? ''}`) ?? [];
    if ([...global, ...local].some((p) => ruleMatches(f.rule, p))) result.ignored.push(f);
    else result.findings.push(f);
  }
  return result;
}

function findingObjectKey(doc: ManifestDoc): string {
  return `${doc.file}|${typeof doc.object.kind === 'string' && doc.object.kind ? objectRef(doc.object) : ''}`;
}
