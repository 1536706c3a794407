/**
 * Turns zod issues into one line per problem: the field path, the bad value, what is allowed.
 * Pure: takes the issues, the raw input (to show the value the user wrote) and the schema
 * (to list the allowed fields next to an unknown one).
 */
import type { z } from 'zod';

export interface ConfigProblem {
  /** Dotted path, e.g. `jaeger.storage.type` or `istio.namespaceOverrides[0].namespace`. */
  readonly path: string;
  /** The value found there (`undefined` when missing). */
  readonly value: unknown;
  /** What is wrong and what is allowed. */
  readonly message: string;
  /** The path as keys and indexes, to find its line in the file. */
  readonly pathParts?: readonly (string | number)[];
  /** Line in the config file (1-based), when the file writes the path or a parent of it. */
  readonly line?: number;
}

/** Problems printed in full; past this many, one line says how many more there are. */
export const MAX_PRINTED_PROBLEMS = 50;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** Renders a value the way the user would have typed it, shortened. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function pathParts(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((part) => (typeof part === 'number' ? part : String(part)));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part as string];
  }
  return node;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

/** Unwraps defaults/optionals/pipes to reach an object schema's field names. */
function fieldsOf(schema: unknown): string[] | undefined {
  let node = schema as { _zod?: { def?: Record<string, unknown> }; shape?: Record<string, unknown> } | undefined;
  for (let i = 0; i < 20 && node; i++) {
    if (node.shape && typeof node.shape === 'object') return Object.keys(node.shape);
    const def = node._zod?.def;
    if (!def) return undefined;
    node = (def.innerType ?? def.out ?? def.in ?? def.schema) as typeof node;
  }
  return undefined;
}

function childSchema(schema: unknown, key: PropertyKey): unknown {
  let node = schema as { _zod?: { def?: Record<string, unknown> }; shape?: Record<string, unknown> } | undefined;
  for (let i = 0; i < 20 && node; i++) {
    if (node.shape && typeof key === 'string') return node.shape[key];
    const def = node._zod?.def;
    if (!def) return undefined;
    if (def.type === 'array' && typeof key === 'number') return def.element;
    if (def.type === 'record') return def.valueType;
    node = (def.innerType ?? def.out ?? def.in ?? def.schema) as typeof node;
  }
  return undefined;
}

function schemaAt(schema: unknown, path: readonly PropertyKey[]): unknown {
  let node = schema;
  for (const part of path) node = childSchema(node, part);
  return node;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
}

/** The closest allowed name, when it is close enough to be a typo. */
export function didYouMean(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = ({ object: 'mapping', array: 'list' } as Record<string, string>)[issue.expected] ?? issue.expected;
      const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
      if (value === undefined) return `is required; allowed: ${article(expected)}`;
      return `is ${value === null ? 'empty' : article(typeName(value))}; allowed: ${article(expected)}`;
    }
    case 'too_big':
      return `is too ${issue.origin === 'string' || issue.origin === 'array' ? 'long' : 'large'}; allowed: ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : ''}`;
    case 'too_small':
      if ((issue.origin === 'string' || issue.origin === 'array') && Number(issue.minimum) === 1) {
        return issue.message.startsWith('Too small')
          ? `is empty; allowed: at least 1 ${issue.origin === 'string' ? 'character' : 'entry'}`
          : issue.message;
      }
      return `is too ${issue.origin === 'string' || issue.origin === 'array' ? 'short' : 'small'}; allowed: ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : ''}`;
    case 'invalid_value':
      return `is not allowed; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'not_multiple_of':
      return `is not a multiple of ${String(issue.divisor)}`;
    default:
      // Custom and format issues carry our own "is …; allowed: …" messages.
      return issue.message;
  }
}

/** One problem per issue (unknown keys: one per key), sorted by path for stable output. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], input: unknown, schema: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = fieldsOf(schemaAt(schema, issue.path)) ?? [];
      for (const key of issue.keys) {
        const guess = didYouMean(key, allowed);
        problems.push({
          path: formatPath([...issue.path, key]),
          pathParts: pathParts([...issue.path, key]),
          value: valueAt(input, [...issue.path, key]),
          message: `is not a known field${guess ? ` (did you mean "${guess}"?)` : ''}; allowed fields: ${allowed.join(', ')}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && (issue as { discriminator?: string }).discriminator) {
      // zod 4 already points the path at the discriminator field and lists the options.
      const options = (issue as { options?: unknown[] }).options ?? [];
      problems.push({
        path: formatPath(issue.path),
        pathParts: pathParts(issue.path),
        value: valueAt(input, issue.path),
        message: options.length > 0 ? `is not allowed; allowed: ${options.map((v) => JSON.stringify(v)).join(', ')}` : issue.message,
      });
      continue;
    }
    const value = 'input' in issue && issue.input !== undefined ? issue.input : valueAt(input, issue.path);
    problems.push({ path: formatPath(issue.path), pathParts: pathParts(issue.path), value, message: describe(issue, value) });
  }
  // One line per field: a value failing two rules (empty AND not a label) needs only the first.
  const seen = new Set<string>();
  const unique = problems.filter((p) => (seen.has(p.path) ? false : (seen.add(p.path), true)));
  return unique.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `<path>: <value> <message>` — the one-line form the CLI prints. */
export function problemLine(problem: ConfigProblem): string {
  return `${problem.path}: ${showValue(problem.value)} ${problem.message}`;
}

/**
 * `<source>[:<line>]: <problem line>` per problem, the first MAX_PRINTED_PROBLEMS of them, then
 * `<source>: … N more problems` (a file of 40,000 unknown keys prints 51 lines, not 40,000).
 */
export function sourcedProblemLines(source: string, problems: readonly ConfigProblem[], max = MAX_PRINTED_PROBLEMS): string[] {
  const lines = problems.slice(0, max).map((p) => `${source}${p.line === undefined ? '' : `:${p.line}`}: ${problemLine(p)}`);
  if (problems.length > max)
    lines.push(
      `${source}: … ${problems.length - max} more problem${problems.length - max === 1 ? '' : 's'} (fix these and run again, or use --json for all)`,
    );
  return lines;
}
