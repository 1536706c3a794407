import type { Finding, ManifestDoc, Severity } from '../finding';
import { findingFor, type CheckContext } from '../context';
import { CATALOGUE } from './catalogue';
import { asArray, getPath, isRecord, namespaceOf, type Obj } from '../objects';

/** A doctor finding on a document: catalogue fix and link unless given. */
export function doctor(
  id: string,
  doc: ManifestDoc,
  severity: Severity,
  field: string | undefined,
  message: string,
  fix?: string,
): Finding {
  const info = CATALOGUE[id]!;
  return findingFor(doc, { rule: id, severity, field, message, fix: fix ?? info.fix, link: info.link });
}

export interface TelemetryTracing {
  readonly doc: ManifestDoc;
  readonly entry: Obj;
  /** `spec.tracing[i]` */
  readonly field: string;
}

export function telemetryTracing(ctx: CheckContext): TelemetryTracing[] {
  const out: TelemetryTracing[] = [];
  for (const doc of ctx.byKind('Telemetry')) {
    asArray(getPath(doc.object, 'spec.tracing')).forEach((entry, i) => {
      if (isRecord(entry)) out.push({ doc, entry, field: `spec.tracing[${i}]` });
    });
  }
  return out;
}

/** True when the Telemetry applies mesh-wide (root namespace, no selector / targetRefs). */
export function isMeshWide(ctx: CheckContext, doc: ManifestDoc): boolean {
  const spec = getPath(doc.object, 'spec');
  return (
    namespaceOf(doc.object) === ctx.mesh.rootNamespace &&
    !getPath(spec, 'selector') &&
    !getPath(spec, 'targetRef') &&
    asArray(getPath(spec, 'targetRefs')).length === 0
  );
}

export const SENSITIVE_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token|x-csrf-token|x-xsrf-token|x-amz-security-token|jwt|x-jwt|x-id-token|id-token|token|x-goog-iap-jwt-assertion|private-token)$/i;
