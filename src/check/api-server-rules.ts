/**
 * The API server's own syntax and size rules for object metadata and payloads, as pure functions
 * (value in, list of problems out): what `kubectl apply` would be refused for, decided offline.
 * Each function mirrors one upstream validator, named in its comment, so a test can run the same
 * inputs against a real kube-apiserver as the oracle.
 *
 * Upstream (kubernetes/kubernetes, staging/src/k8s.io/…):
 * - apimachinery/pkg/util/validation/validation.go: IsDNS1123Label, IsDNS1123Subdomain,
 *   IsDNS1035Label, IsQualifiedName, IsValidLabelValue, IsConfigMapKey (the regexes and lengths below).
 * - apimachinery/pkg/api/validation/objectmeta.go: `TotalAnnotationSizeLimitB int64 = 256 * (1 << 10)`,
 *   ValidateAnnotations (keys are qualified names, checked lower-cased), ValidateNamespaceName (a label).
 * - apimachinery/pkg/api/validation/path/name.go: IsValidPathSegmentName (RBAC object names).
 * - pkg/apis/core/validation/validation.go: Service names — DNS-1035 labels before 1.34, DNS-1123 labels
 *   with RelaxedServiceNameValidation, which the pinned 1.36.1 server has on (its answer is the oracle);
 *   ValidateConfigMap / ValidateSecret sum the data and refuse `totalSize > core.MaxSecretSize`,
 *   with `MaxSecretSize = 1 * 1024 * 1024` (pkg/apis/core/types.go).
 * - apiserver/pkg/server/config.go: `MaxRequestBodyBytes: int64(3 * 1024 * 1024)` — "1.5MB is the
 *   default client request size in bytes the etcd server should accept … we allow 2x as the largest
 *   request body size"; etcd itself refuses a value over its `--max-request-bytes` (1.5 MiB default)
 *   with "etcdserver: request is too large".
 */

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const DNS1035_LABEL_MAX = 63;
export const QUALIFIED_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;
export const CONFIG_MAP_KEY_MAX = 253;
/** ValidateAnnotations: keys plus values of all annotations of one object. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** core.MaxSecretSize: the data of one ConfigMap or Secret. */
export const MAX_CONFIG_DATA_SIZE = 1024 * 1024;
/** etcd's default --max-request-bytes: the stored object (protobuf, about the JSON size) must fit. */
export const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** The API server's request body limit (twice etcd's, for JSON → protobuf). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** How the API server validates `metadata.name` of a kind. */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

/**
 * Kinds whose names are not DNS-1123 subdomains (everything else, custom resources included, is:
 * the generic registry and the CR handler use NameIsDNSSubdomain).
 */
const NAME_RULES: Readonly<Record<string, NameRule>> = {
  Namespace: 'dns1123-label',
  // kube-apiserver 1.36.1 (the kind node image's release) admits "9svc" and refuses "a.b": Service names
  // are DNS-1123 labels there (RelaxedServiceNameValidation), as test/real/kube-control-plane.test.ts shows
  Service: 'dns1123-label',
  Role: 'path-segment',
  ClusterRole: 'path-segment',
  RoleBinding: 'path-segment',
  ClusterRoleBinding: 'path-segment',
};

export function nameRuleOf(kind: string): NameRule {
  return NAME_RULES[kind] ?? 'dns1123-subdomain';
}

const RULE_TEXT: Record<NameRule, string> = {
  'dns1123-label': `a DNS-1123 label: at most ${DNS1123_LABEL_MAX} characters of a-z, 0-9 and "-", starting and ending with a letter or digit (e.g. "my-name")`,
  'dns1123-subdomain': `a DNS-1123 subdomain: at most ${DNS1123_SUBDOMAIN_MAX} characters, dot-separated labels of a-z, 0-9 and "-", each starting and ending with a letter or digit (e.g. "example.com" or "my-name")`,
  'dns1035-label': `a DNS-1035 label: at most ${DNS1035_LABEL_MAX} characters of a-z, 0-9 and "-", starting with a letter and ending with a letter or digit (e.g. "my-name")`,
  'path-segment': 'a path segment: not "." or "..", and without "/" or "%"',
};

/** What a name rule allows, for messages. */
export function describeNameRule(rule: NameRule): string {
  return RULE_TEXT[rule];
}

/** A name close to `value` that the rule allows (for the fix text); undefined when none is obvious. */
export function suggestName(rule: NameRule, value: string): string | undefined {
  if (rule === 'path-segment') return value.replace(/[/%]/g, '-').replace(/^\.{1,2}$/, '') || undefined;
  const dots = rule === 'dns1123-subdomain';
  let s = value
    .toLowerCase()
    .replace(dots ? /[^a-z0-9.-]+/g : /[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-');
  if (dots)
    s = s
      .replace(/\.{2,}/g, '.')
      .split('.')
      .map((l) => l.replace(/^-+|-+$/g, ''))
      .filter(Boolean)
      .join('.');
  s = s.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (rule === 'dns1035-label') s = s.replace(/^[^a-z]+/, '');
  s = s.slice(0, rule === 'dns1123-subdomain' ? DNS1123_SUBDOMAIN_MAX : DNS1123_LABEL_MAX).replace(/[^a-z0-9]+$/, '');
  return s && s !== value && nameProblemsFor(rule, s).length === 0 ? s : undefined;
}

function nameProblemsFor(rule: NameRule, name: string): string[] {
  switch (rule) {
    case 'dns1123-label':
      return dns1123LabelProblems(name);
    case 'dns1035-label':
      return dns1035LabelProblems(name);
    case 'path-segment':
      return pathSegmentProblems(name);
    default:
      return dns1123SubdomainProblems(name);
  }
}

function lengthAndForm(value: string, max: number, form: RegExp, rule: NameRule): string[] {
  const out: string[] = [];
  if (value.length > max) out.push(`is ${value.length} characters long, more than ${max}`);
  if (!form.test(value)) out.push(`is not ${RULE_TEXT[rule]}`);
  return out;
}

/** IsDNS1123Label. */
export function dns1123LabelProblems(value: string): string[] {
  return lengthAndForm(value, DNS1123_LABEL_MAX, DNS1123_LABEL, 'dns1123-label');
}

/** IsDNS1123Subdomain. */
export function dns1123SubdomainProblems(value: string): string[] {
  return lengthAndForm(value, DNS1123_SUBDOMAIN_MAX, DNS1123_SUBDOMAIN, 'dns1123-subdomain');
}

/** IsDNS1035Label. */
export function dns1035LabelProblems(value: string): string[] {
  return lengthAndForm(value, DNS1035_LABEL_MAX, DNS1035_LABEL, 'dns1035-label');
}

/** path.IsValidPathSegmentName. */
export function pathSegmentProblems(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be "${value}"`];
  const bad = ['/', '%'].filter((c) => value.includes(c));
  return bad.length ? [`may not contain ${bad.map((c) => `"${c}"`).join(' or ')}`] : [];
}

/** The validator of `metadata.name` for a kind (generateName prefixes are not handled). */
export function nameProblems(kind: string, name: string): string[] {
  if (name === '') return ['is empty; the API server requires a name'];
  return nameProblemsFor(nameRuleOf(kind), name);
}

const QUALIFIED_TEXT = `[prefix/]name, where name has at most ${QUALIFIED_NAME_MAX} characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit, and the optional prefix is a DNS-1123 subdomain (e.g. "app.kubernetes.io/name")`;

/** IsQualifiedName: label keys, annotation keys (lower-cased), selector keys. */
export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split('/');
  if (parts.length > 2) return [`has ${parts.length - 1} "/"; allowed: ${QUALIFIED_TEXT}`];
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') out.push('has an empty prefix before "/"');
    else for (const p of dns1123SubdomainProblems(prefix)) out.push(`prefix "${truncate(prefix)}" ${p}`);
  }
  if (name === '') out.push(`has an empty name part; allowed: ${QUALIFIED_TEXT}`);
  else {
    if (name.length > QUALIFIED_NAME_MAX) out.push(`name part is ${name.length} characters long, more than ${QUALIFIED_NAME_MAX}`);
    if (!QUALIFIED_NAME.test(name)) out.push(`name part "${truncate(name)}" is not ${QUALIFIED_TEXT}`);
  }
  return out;
}

/** IsValidLabelValue. */
export function labelValueProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > LABEL_VALUE_MAX) out.push(`is ${value.length} characters long, more than ${LABEL_VALUE_MAX}`);
  if (value !== '' && !QUALIFIED_NAME.test(value))
    out.push('is not empty or a string of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit (e.g. "v1.2-rc")');
  return out;
}

/** IsConfigMapKey (ConfigMap data/binaryData keys, Secret data/stringData keys). */
export function configMapKeyProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > CONFIG_MAP_KEY_MAX) out.push(`is ${value.length} characters long, more than ${CONFIG_MAP_KEY_MAX}`);
  if (!CONFIG_MAP_KEY.test(value)) out.push('is not a valid key: only A-Z, a-z, 0-9, "-", "_" and "." (e.g. "config.yaml")');
  if (value === '.' || value === '..') out.push(`may not be "${value}"`);
  else if (value.startsWith('..')) out.push('may not start with ".."');
  return out;
}

/** ValidateAnnotations' size rule: bytes of every key plus every value. */
export function annotationsSize(annotations: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += utf8Length(k) + utf8Length(v);
  return total;
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Bytes a base64 value decodes to (Secret `data` counts decoded bytes). */
export function base64DecodedLength(s: string): number {
  const clean = s.replace(/\s+/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

/** A value as messages show it: JSON-quoted, cut to `max` characters with the full length said. */
export function truncate(value: string, max = 60): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}… (${value.length} characters)`;
}

/** `1572864` → `1.5 MiB`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(2))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(2))} KiB`;
  return `${n} bytes`;
}
