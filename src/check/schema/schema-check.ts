/**
 * Schema checks for manifest objects: types and required fields through the kubernetes-models
 * validators (Kubernetes 1.36, Istio, Traefik, Prometheus Operator), and a strict unknown-field
 * check from the committed field tree (see scripts/generate-known-fields.ts for why it exists).
 */
import { readFileSync } from 'node:fs';
import type { Finding, ManifestDoc } from '../finding';
import { findingFor } from '../context';
import { asString, isRecord } from '../objects';
import { KNOWN_FIELDS_FILE, type KnownFieldsFile } from './known-fields';

let knownFields: KnownFieldsFile | undefined;
function loadKnownFields(): KnownFieldsFile {
  knownFields ??= JSON.parse(readFileSync(KNOWN_FIELDS_FILE, 'utf8')) as KnownFieldsFile;
  return knownFields;
}

/** Model class with the kubernetes-models `validate()` that throws with ajv `.errors`. */
interface ModelClass {
  new (data: unknown): { validate(): void };
}
// Models are imported lazily, once per kind: loading every model up front costs seconds.
const modelCache = new Map<string, Promise<ModelClass | undefined>>();

function loadModel(key: string): Promise<ModelClass | undefined> {
  let cached = modelCache.get(key);
  if (!cached) {
    const spec = loadKnownFields().modules[key];
    const kind = key.split('/').pop()!;
    cached = spec
      ? import(spec).then(
          (m: Record<string, unknown>) => m[kind] as ModelClass | undefined,
          () => undefined,
        )
      : Promise.resolve(undefined);
    modelCache.set(key, cached);
  }
  return cached;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/spec/template/spec/containers/0/name` → `spec.template.spec.containers[0].name` */
export function pointerToField(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function describeAjvError(e: AjvError): { field: string; message: string } {
  let field = pointerToField(e.instancePath);
  let message = e.message ?? e.keyword;
  if (e.keyword === 'required' && e.params?.missingProperty) {
    field = field ? `${field}.${String(e.params.missingProperty)}` : String(e.params.missingProperty);
    message = 'required field is missing';
  } else if (e.keyword === 'enum' && Array.isArray(e.params?.allowedValues)) {
    message = `must be one of ${(e.params!.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { field, message };
}

function valueAt(obj: unknown, field: string): unknown {
  let cur: unknown = obj;
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[m[1] ?? m[2]!];
  }
  return cur;
}

async function schemaFindings(doc: ManifestDoc): Promise<Finding[]> {
  const obj = doc.object;
  const apiVersion = asString(obj.apiVersion);
  const kind = asString(obj.kind);
  if (!apiVersion || !kind) {
    return [
      findingFor(doc, {
        rule: 'schema',
        severity: 'error',
        field: !apiVersion ? 'apiVersion' : 'kind',
        message: `object has no ${!apiVersion ? 'apiVersion' : 'kind'}: kubectl cannot apply it`,
        fix: 'give every document apiVersion, kind and metadata.name (or move non-Kubernetes files, like Helm values, to install/)',
      }),
    ];
  }
  const key = `${apiVersion}/${kind}`;
  const Model = await loadModel(key);
  if (!Model) {
    return [
      findingFor(doc, {
        rule: 'schema/unknown-kind',
        severity: 'info',
        field: 'kind',
        message: `no schema known for ${key}: fields not checked`,
        fix: 'check the apiVersion spelling; custom resources from other projects are applied as-is',
      }),
    ];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors ?? [];
    if (errors.length === 0) return [findingFor(doc, { rule: 'schema', severity: 'error', message: String((err as Error).message) })];
    // ajv reports every branch of a failed oneOf/anyOf; keep the leaf errors only.
    const leaves = errors.filter((e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword));
    return (leaves.length ? leaves : errors).map((e) => {
      const { field, message } = describeAjvError(e);
      const value = e.keyword === 'required' ? undefined : valueAt(obj, field);
      return findingFor(doc, {
        rule: 'schema',
        severity: 'error',
        field,
        message: value === undefined ? message : `${message} (got ${JSON.stringify(value)})`,
        fix: `fix the field to match the ${key} schema`,
        link: 'https://kubernetes.io/docs/reference/kubernetes-api/',
      });
    });
  }
}

/** Field names of a tree node, for "did you mean" hints. */
function closest(name: string, candidates: string[]): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i]![j] = Math.min(
          d[i - 1]![j]! + 1,
          d[i]![j - 1]! + 1,
          d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
        );
      }
    }
    return d[a.length]![b.length]!;
  };
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = dist(name, c);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Unknown fields of one object against the field tree (the API server would reject or drop them). */
export function unknownFieldFindings(doc: ManifestDoc): Finding[] {
  const obj = doc.object;
  const key = `${asString(obj.apiVersion)}/${asString(obj.kind)}`;
  const tree = loadKnownFields();
  const root = tree.roots[key];
  if (root === undefined) return [];
  // The IstioOperator model declares no `spec` (Istio publishes that schema only as Go types), so its
  // tree is open below the top level rather than "spec is unknown". (stack engineer, minimal fix)
  if (key === 'install.istio.io/v1alpha1/IstioOperator') return [];
  const out: Finding[] = [];
  const walk = (value: unknown, node: number, path: string): void => {
    if (node < 0 || value === null || value === undefined) return;
    const n = tree.types[node]!;
    if (Array.isArray(value)) {
      if (n.i !== undefined) value.forEach((v, i) => walk(v, n.i!, `${path}[${i}]`));
      return;
    }
    if (!isRecord(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const child = path ? `${path}.${k}` : k;
      const prop = n.p?.[k];
      if (prop !== undefined) walk(v, prop, child);
      else if (n.m !== undefined) walk(v, n.m, child);
      else if (n.p) {
        const hint = closest(k, Object.keys(n.p));
        out.push(
          findingFor(doc, {
            rule: 'unknown-field',
            severity: 'error',
            field: child,
            message: `unknown field "${k}" in ${key}${hint ? ` (did you mean "${hint}"?)` : ''}: the API server rejects it (strict field validation) or silently drops it`,
            fix: hint ? `rename "${k}" to "${hint}"` : `remove "${k}"; allowed here: ${Object.keys(n.p).sort().join(', ')}`,
            link: 'https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation',
          }),
        );
      }
    }
  };
  walk(obj, root, '');
  return out;
}

export async function checkSchemas(docs: readonly ManifestDoc[]): Promise<Finding[]> {
  const results = await Promise.all(docs.map(async (doc) => [...(await schemaFindings(doc)), ...unknownFieldFindings(doc)]));
  return results.flat();
}
