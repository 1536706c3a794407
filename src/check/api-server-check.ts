/**
 * Applies the API server's metadata and size rules (api-server-rules.ts) to every object of the
 * folder: names, namespaces, label and annotation keys/values, selector labels, ConfigMap/Secret
 * keys and data size, and the size of the object itself. Each finding names the object, the field,
 * the bad value (cut when huge) and what is allowed.
 */
import type { Finding, ManifestDoc } from './finding';
import { findingFor } from './context';
import {
  annotationsSize,
  base64DecodedLength,
  configMapKeyProblems,
  dns1123LabelProblems,
  ETCD_MAX_REQUEST_BYTES,
  formatBytes,
  labelValueProblems,
  MAX_CONFIG_DATA_SIZE,
  MAX_REQUEST_BODY_BYTES,
  nameProblems,
  nameRuleOf,
  qualifiedNameProblems,
  suggestName,
  TOTAL_ANNOTATION_SIZE_LIMIT,
  truncate,
  utf8Length,
} from './api-server-rules';
import { getPath, isClusterScoped, isRecord, kindOf, type Obj } from './objects';

const OBJECT_META_LINK = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/names/';
const LABELS_LINK = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set';
const ANNOTATIONS_LINK = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set';
const CONFIGMAP_LINK = 'https://kubernetes.io/docs/concepts/configuration/configmap/#motivation';
const SSA_LINK = 'https://kubernetes.io/docs/reference/using-api/server-side-apply/';

/** Where workloads keep pod-template metadata and their selector (the API server validates both). */
const TEMPLATE_METADATA: Readonly<Record<string, string>> = {
  Deployment: 'spec.template.metadata',
  StatefulSet: 'spec.template.metadata',
  DaemonSet: 'spec.template.metadata',
  ReplicaSet: 'spec.template.metadata',
  ReplicationController: 'spec.template.metadata',
  Job: 'spec.template.metadata',
  CronJob: 'spec.jobTemplate.spec.template.metadata',
};

const q = (s: string): string => JSON.stringify(truncate(s));

function labelFindings(doc: ManifestDoc, labels: unknown, base: string, what: string): Finding[] {
  if (!isRecord(labels)) return [];
  const out: Finding[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const field = `${base}[${JSON.stringify(truncate(key))}]`;
    for (const p of qualifiedNameProblems(key)) {
      out.push(
        findingFor(doc, {
          rule: 'api/label',
          severity: 'error',
          field,
          message: `${what} key ${q(key)} ${p}`,
          fix: 'rename the key; the API server refuses the object',
          link: LABELS_LINK,
        }),
      );
    }
    if (typeof value !== 'string') continue; // wrong types are schema findings
    for (const p of labelValueProblems(value)) {
      out.push(
        findingFor(doc, {
          rule: 'api/label',
          severity: 'error',
          field,
          message: `${what} value ${q(value)} ${p}`,
          fix: 'shorten or rewrite the value (e.g. move free text into an annotation)',
          link: LABELS_LINK,
        }),
      );
    }
  }
  return out;
}

function annotationFindings(doc: ManifestDoc, annotations: unknown, base: string): Finding[] {
  if (!isRecord(annotations)) return [];
  const out: Finding[] = [];
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value === 'string') strings[key] = value;
    // ValidateAnnotations checks the lower-cased key, so upper-case letters in the name are fine.
    for (const p of qualifiedNameProblems(key.toLowerCase())) {
      out.push(
        findingFor(doc, {
          rule: 'api/annotation',
          severity: 'error',
          field: `${base}[${JSON.stringify(truncate(key))}]`,
          message: `annotation key ${q(key)} ${p}`,
          fix: 'rename the key; the API server refuses the object',
          link: ANNOTATIONS_LINK,
        }),
      );
    }
  }
  const size = annotationsSize(strings);
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    const largest = Object.entries(strings).sort((a, b) => utf8Length(b[1]) - utf8Length(a[1]))[0]!;
    out.push(
      findingFor(doc, {
        rule: 'api/annotation',
        severity: 'error',
        field: base,
        message: `annotations total ${size} bytes (${formatBytes(size)}), more than the ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes (256 KiB) the API server allows; the largest is ${q(largest[0])} with ${utf8Length(largest[1])} bytes`,
        fix: 'move large content into a ConfigMap',
        link: ANNOTATIONS_LINK,
      }),
    );
  }
  return out;
}

function metadataFindings(doc: ManifestDoc): Finding[] {
  const obj = doc.object;
  const kind = kindOf(obj);
  const out: Finding[] = [];
  const meta = obj.metadata;
  if (!isRecord(meta)) return out;
  const name = meta.name;
  if (typeof name === 'string') {
    const suggestion = suggestName(nameRuleOf(kind), name);
    for (const p of nameProblems(kind, name)) {
      out.push(
        findingFor(doc, {
          rule: 'api/name',
          severity: 'error',
          field: 'metadata.name',
          message: `${kind || 'object'} name ${q(name)} ${p}`,
          fix: `rename it${suggestion ? `, e.g. to "${suggestion}"` : ''}; the API server refuses the object`,
          link: OBJECT_META_LINK,
        }),
      );
    }
  } else if (name === undefined && meta.generateName === undefined && kind) {
    out.push(
      findingFor(doc, {
        rule: 'api/name',
        severity: 'error',
        field: 'metadata.name',
        message: 'metadata.name is missing: the API server answers "resource name may not be empty"',
        fix: 'give the object a name',
        link: OBJECT_META_LINK,
      }),
    );
  }
  const ns = meta.namespace;
  if (typeof ns === 'string' && !isClusterScoped(obj)) {
    const suggestion = suggestName('dns1123-label', ns);
    for (const p of dns1123LabelProblems(ns)) {
      out.push(
        findingFor(doc, {
          rule: 'api/namespace',
          severity: 'error',
          field: 'metadata.namespace',
          message: `namespace ${q(ns)} ${p}`,
          fix: `use a namespace that is a DNS-1123 label${suggestion ? `, e.g. "${suggestion}"` : ''}`,
          link: OBJECT_META_LINK,
        }),
      );
    }
  }
  out.push(...labelFindings(doc, meta.labels, 'metadata.labels', 'label'));
  out.push(...annotationFindings(doc, meta.annotations, 'metadata.annotations'));
  const templatePath = TEMPLATE_METADATA[kind];
  if (templatePath) {
    out.push(...labelFindings(doc, getPath(obj, `${templatePath}.labels`), `${templatePath}.labels`, 'pod template label'));
    out.push(...annotationFindings(doc, getPath(obj, `${templatePath}.annotations`), `${templatePath}.annotations`));
    const selectorPath = kind === 'CronJob' ? 'spec.jobTemplate.spec.selector.matchLabels' : 'spec.selector.matchLabels';
    out.push(...labelFindings(doc, getPath(obj, selectorPath), selectorPath, 'selector label'));
  }
  if (kind === 'Service') out.push(...labelFindings(doc, getPath(obj, 'spec.selector'), 'spec.selector', 'selector label'));
  return out;
}

/** ConfigMap data/binaryData and Secret data/stringData: keys and the 1 MiB total. */
function dataFindings(doc: ManifestDoc): Finding[] {
  const obj = doc.object;
  const kind = kindOf(obj);
  if (kind !== 'ConfigMap' && kind !== 'Secret') return [];
  const out: Finding[] = [];
  const maps: { field: string; size: (v: string) => number }[] =
    kind === 'ConfigMap'
      ? [
          { field: 'data', size: utf8Length },
          { field: 'binaryData', size: base64DecodedLength },
        ]
      : [
          { field: 'data', size: base64DecodedLength },
          { field: 'stringData', size: utf8Length },
        ];
  let total = 0;
  let largest: { field: string; bytes: number } | undefined;
  for (const { field, size } of maps) {
    const map = obj[field];
    if (!isRecord(map)) continue;
    for (const [key, value] of Object.entries(map)) {
      const keyField = `${field}[${JSON.stringify(truncate(key))}]`;
      for (const p of configMapKeyProblems(key)) {
        out.push(
          findingFor(doc, {
            rule: 'api/data-key',
            severity: 'error',
            field: keyField,
            message: `${kind} key ${q(key)} ${p}`,
            fix: 'rename the key (it becomes a file name when mounted)',
            link: CONFIGMAP_LINK,
          }),
        );
      }
      if (typeof value !== 'string') continue;
      const bytes = size(value);
      total += bytes;
      if (!largest || bytes > largest.bytes) largest = { field: keyField, bytes };
    }
  }
  if (total > MAX_CONFIG_DATA_SIZE) {
    out.push(
      findingFor(doc, {
        rule: 'api/data-size',
        severity: 'error',
        field: largest?.field ?? 'data',
        message: `${kind} data totals ${total} bytes (${formatBytes(total)}), more than the ${MAX_CONFIG_DATA_SIZE} bytes (1 MiB) the API server allows${largest ? `; the largest value is ${largest.field} with ${formatBytes(largest.bytes)}` : ''}`,
        fix: 'split the data over several objects, or mount it from a volume or image instead',
        link: CONFIGMAP_LINK,
      }),
    );
  }
  return out;
}

/** The object as the API server receives it: etcd's 1.5 MiB value limit, and client-side apply's annotation copy. */
function sizeFindings(doc: ManifestDoc): Finding[] {
  const bytes = utf8Length(JSON.stringify(doc.object));
  if (bytes > ETCD_MAX_REQUEST_BYTES) {
    return [
      findingFor(doc, {
        rule: 'api/object-size',
        severity: 'error',
        message: `the object is ${bytes} bytes (${formatBytes(bytes)}) as JSON: over etcd's ${formatBytes(ETCD_MAX_REQUEST_BYTES)} value limit ("etcdserver: request is too large")${bytes > MAX_REQUEST_BODY_BYTES ? ` and the API server's ${formatBytes(MAX_REQUEST_BODY_BYTES)} request limit (413)` : ''}`,
        fix: 'split the object; large payloads belong in volumes or images, not in API objects',
        link: OBJECT_META_LINK,
      }),
    ];
  }
  // Client-side `kubectl apply` copies the whole object into the last-applied-configuration
  // annotation, so an object over the annotation limit cannot be applied that way.
  if (bytes > TOTAL_ANNOTATION_SIZE_LIMIT) {
    return [
      findingFor(doc, {
        rule: 'api/object-size',
        severity: 'warning',
        message: `the object is ${bytes} bytes (${formatBytes(bytes)}) as JSON: client-side \`kubectl apply\` stores it in the kubectl.kubernetes.io/last-applied-configuration annotation, which may hold at most 262144 bytes (256 KiB)`,
        fix: 'apply with `kubectl apply --server-side` (or kubectl create/replace)',
        link: SSA_LINK,
      }),
    ];
  }
  return [];
}

/** Every API server rule over every object of the folder (installer inputs are not API objects). */
export function checkApiServerRules(docs: readonly ManifestDoc[]): Finding[] {
  return docs
    .filter((d) => kindOf(d.object as Obj) !== '')
    .flatMap((d) => [...metadataFindings(d), ...dataFindings(d), ...sizeFindings(d)]);
}
