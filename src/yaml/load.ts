/**
 * The one YAML reader of the kit: configs, verify specs, manifests under `check`, installer inputs,
 * YAML embedded in ConfigMaps. Built on the `yaml` package (its CST parser, composer and
 * `maxAliasCount`), with limits checked before any value is built, so a hostile file is refused in
 * time linear in its size: bytes, documents, nesting depth, nodes added by aliases and merge keys
 * ("billion laughs"), alias cycles and `__proto__` keys. Every refusal names the file, the line and
 * column, what was wrong and what is allowed.
 *
 * A leaf module: it imports nothing of ours, so every part of the kit can use it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import {
  Composer,
  CST,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
  type Alias,
  type Document,
  type Node as YamlNode,
  type Pair,
} from 'yaml';

export interface YamlLimits {
  /** UTF-8 bytes of the whole text (all documents). */
  readonly maxBytes: number;
  /** Documents in the stream (`---` separated). */
  readonly maxDocuments: number;
  /** Mappings and lists nested inside each other. */
  readonly maxDepth: number;
  /** Nodes that aliases (`*name`) and merge keys (`<<: *name`) add to one document once expanded. */
  readonly maxAliasNodes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The limits per kind of input. Each is far above what a real file of that kind holds (a config is a
 * few KiB and nests 6 levels; the deepest upstream CRD in shared/reference nests 28), and low enough
 * that parsing the largest allowed file stays around a second on this kit's reference machine.
 */
export const YAML_LIMITS = {
  /** `synth --config` files. */
  config: { maxBytes: 256 * KiB, maxDocuments: 1, maxDepth: 64, maxAliasNodes: 10_000 },
  /** `verify --spec` files. */
  spec: { maxBytes: 256 * KiB, maxDocuments: 1, maxDepth: 64, maxAliasNodes: 10_000 },
  /**
   * Manifest and installer-input files (`check`, `up`/`smoke` reading dist/, chart values). The API
   * server stores objects of at most ~1.5 MiB; a file holds several. The parser reads about 1 MB/s.
   */
  manifests: { maxBytes: 4 * MiB, maxDocuments: 10_000, maxDepth: 128, maxAliasNodes: 1_000_000 },
  /** YAML held in a ConfigMap value (a collector config, the Istio mesh config). */
  embedded: { maxBytes: 1 * MiB, maxDocuments: 1, maxDepth: 64, maxAliasNodes: 100_000 },
} as const satisfies Record<string, YamlLimits>;

/** Where in the text, 1-based. */
export interface YamlPosition {
  readonly line: number;
  readonly column: number;
}

/** YAML the kit will not read: a syntax error or a limit crossed. */
export class YamlInputError extends Error {
  constructor(
    /** The file (or other origin) as the user named it. */
    readonly source: string,
    /** What is wrong, phrased after the file as subject: `is not valid YAML: …`, `nests …`. */
    readonly problem: string,
    /** What is allowed instead. */
    readonly allowed: string,
    /** Where it is, when it has a place (a size over the limit has none). */
    readonly position?: YamlPosition,
    /** The text of that line, trimmed to 120 characters. */
    readonly lineText?: string,
  ) {
    super(`${source}${position ? `:${position.line}:${position.column}` : ''}: ${problem}; allowed: ${allowed}`);
    this.name = 'YamlInputError';
  }
}

/** One document of a stream, as plain data, with the way back to its lines. */
export interface YamlDocument {
  /** The document as plain JSON-like data (`null` for an empty document). */
  readonly value: unknown;
  /** Position of the document's content (its first key, item or scalar). */
  readonly position: YamlPosition;
  /**
   * Line of the value at `path` (for a mapping entry: its key), or of the nearest enclosing entry the
   * file writes (a key that came from a merge or a default resolves to the entry it is under);
   * `undefined` when the file writes not even the first key of the path.
   */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

function formatBytes(n: number): string {
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : n >= KiB && n % KiB === 0 ? `${n / KiB} KiB` : `${n} bytes`;
}

/** Reads at most `maxBytes` (+1 to notice more) from `path`: a device or a huge file never fills memory. fs errors pass through. */
export function readYamlFile(path: string, limits: YamlLimits, source = path): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(limits.maxBytes + 1, 64 * KiB));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      total += n;
      if (total > limits.maxBytes) {
        throw new YamlInputError(
          source,
          `is larger than ${formatBytes(limits.maxBytes)}`,
          `at most ${formatBytes(limits.maxBytes)} of YAML`,
        );
      }
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Parses a stream of documents within `limits`; throws YamlInputError for the first problem found. */
export function parseYamlDocuments(text: string, source: string, limits: YamlLimits): YamlDocument[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    throw new YamlInputError(source, `is ${bytes} bytes`, `at most ${formatBytes(limits.maxBytes)} of YAML`);
  }
  const lines = new LineCounter();
  const at = (offset: number): [YamlPosition, string] => {
    const { line, col } = lines.linePos(offset);
    const start = lines.lineStarts[line - 1] ?? 0;
    const end = text.indexOf('\n', start);
    const lineText = text.slice(start, end === -1 ? undefined : end).replace(/\r$/, '');
    return [{ line, column: col }, lineText.length > 120 ? `${lineText.slice(0, 117)}...` : lineText];
  };
  const fail = (offset: number, problem: string, allowed: string): never => {
    throw new YamlInputError(source, problem, allowed, ...at(offset));
  };

  // The lexer and the CST parser keep their own stacks (no recursion), so depth and document count
  // are checked on their output before the (recursive) composer sees it. Flow nesting (`[[[[…`) is
  // counted lexeme by lexeme, since parsing a 100,000-deep flow takes a second; block nesting costs
  // at least a column per level and is measured on the finished document.
  const tokens: CST.Token[] = [];
  let documents = 0;
  const take = (token: CST.Token): void => {
    if (token.type === 'document') {
      documents += 1;
      if (documents > limits.maxDocuments) {
        fail(
          token.offset,
          `holds more than ${limits.maxDocuments} YAML document${limits.maxDocuments === 1 ? '' : 's'}`,
          limits.maxDocuments === 1 ? 'one document (no second `---`)' : `at most ${limits.maxDocuments} documents per file`,
        );
      }
      const deep = tooDeep(token, limits.maxDepth);
      if (deep !== undefined) failDepth(deep);
    }
    tokens.push(token);
  };
  const failDepth = (offset: number): never =>
    fail(offset, `nests mappings and lists more than ${limits.maxDepth} levels deep`, `at most ${limits.maxDepth} levels`);
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  let flowDepth = 0;
  let scalarSource = false;
  for (const lexeme of new Lexer().lex(text)) {
    // After a scalar marker comes the scalar's own text, which may well start with `[`.
    const type: string | null = scalarSource ? 'scalar-source' : CST.tokenType(lexeme);
    scalarSource = type === 'scalar';
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      flowDepth += 1;
      if (flowDepth > limits.maxDepth) failDepth(parser.offset);
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') {
      flowDepth = Math.max(0, flowDepth - 1);
    }
    for (const token of parser.next(lexeme)) take(token);
  }
  for (const token of parser.end()) take(token);

  // uniqueKeys off: the library compares every key with every other one (20,000 keys took 12 s);
  // toPlain finds duplicates with a Set instead.
  const composer = new Composer({ merge: true, prettyErrors: false, uniqueKeys: false });
  const out: YamlDocument[] = [];
  for (const doc of composer.compose(tokens, true, text.length)) {
    const error = doc.errors[0];
    if (error) fail(error.pos[0], `is not valid YAML: ${error.message}`, 'YAML 1.2 syntax');
    const value = toPlain(doc, limits, fail);
    const [position] = at(doc.contents?.range[0] ?? doc.range[0]);
    const keys = new WeakMap<object, Map<string, Pair>>();
    const lineOf = (path: readonly (string | number)[]): number | undefined => {
      const offset = offsetOf(doc, path, keys);
      return offset === undefined ? undefined : lines.linePos(offset).line;
    };
    out.push({ value, position, lineOf });
  }
  return out;
}

/**
 * Parses a stream that must hold at most one document (`limits.maxDocuments` is taken as 1);
 * an empty or comment-only text is one empty document (`value: null`).
 */
export function parseYamlDocument(text: string, source: string, limits: YamlLimits): YamlDocument {
  const docs = parseYamlDocuments(text, source, { ...limits, maxDocuments: 1 });
  return docs[0] ?? { value: null, position: { line: 1, column: 1 }, lineOf: () => undefined };
}

/** Offset of the first collection nested deeper than `maxDepth`, walking the CST with an explicit stack. */
function tooDeep(document: CST.Document, maxDepth: number): number | undefined {
  const stack: [CST.Token, number][] = document.value ? [[document.value, 0]] : [];
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > maxDepth) return token.offset;
    for (const item of token.items) {
      if ('key' in item && item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return undefined;
}

type Fail = (offset: number, problem: string, allowed: string) => never;

/**
 * The document as plain data, in one pass over the composed nodes that also enforces what the
 * library leaves open or does in quadratic time: nodes added by aliases and merge keys (each alias
 * costs the size of what it names, memoized, so a bomb is refused after its first few lines), aliases
 * into their own ancestors (a cycle), unknown anchors, duplicate keys and `__proto__` keys.
 * The library's `toJS` is not used: it resolves every alias by scanning all anchors and aliases
 * before it (10,000 aliases took 3.7 s), and its `maxAliasCount` does not weigh what an alias names.
 * An alias yields the same object as its anchor (as the library's `toJS` does): memory stays the size
 * of the text.
 */
// long-function: one pass of mutually recursive builders that must share the anchor table, the memo and the
// alias budget (the bomb bound only holds while every alias is counted against the same `added`).
function toPlain(doc: Document.Parsed, limits: YamlLimits, fail: Fail): unknown {
  interface Built {
    readonly value: unknown;
    readonly size: number;
  }
  // An alias names the last node with that anchor before it (YAML 1.2 §3.2.2.2).
  const anchors = new Map<string, YamlNode>();
  const built = new Map<YamlNode, Built>();
  const open = new Set<YamlNode>();
  let added = 0;
  const offset = (node: unknown, fallback: number): number => (isNode(node) ? (node.range?.[0] ?? fallback) : fallback);

  const resolve = (alias: Alias): Built => {
    const at = alias.range?.[0] ?? 0;
    const target = anchors.get(alias.source);
    if (target === undefined)
      fail(
        at,
        `has the alias *${alias.source} but no anchor &${alias.source} before it`,
        'aliases to an anchor defined earlier in the same document',
      );
    if (open.has(target))
      fail(at, `has the alias *${alias.source} inside the node it names (a cycle)`, 'aliases to a node that is complete before the alias');
    const found = built.get(target)!;
    added += found.size;
    if (added > limits.maxAliasNodes) {
      fail(
        at,
        `expands aliases and merge keys to more than ${limits.maxAliasNodes} nodes (an alias bomb, as in "billion laughs")`,
        `at most ${limits.maxAliasNodes} nodes added by aliases (*name) and merge keys (<<: *name) per document`,
      );
    }
    return found;
  };

  const keyText = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  };

  const build = (node: unknown, parentAt: number): Built => {
    if (isAlias(node)) return resolve(node);
    if (!isNode(node)) return { value: null, size: 0 };
    if (node.anchor) anchors.set(node.anchor, node);
    let result: Built;
    if (isScalar(node)) {
      result = { value: node.value, size: 1 };
    } else if (isSeq(node)) {
      open.add(node);
      const items: unknown[] = [];
      let size = 1;
      for (const item of node.items as unknown[]) {
        // `[a: 1]`: a pair in a flow sequence is a one-entry mapping.
        const one = isPair(item) ? buildPairs([item], offset(item.key, parentAt)) : build(item, offset(node, parentAt));
        items.push(one.value);
        size += one.size;
      }
      open.delete(node);
      result = { value: items, size };
    } else if (isMap(node)) {
      open.add(node);
      result = buildPairs(node.items as unknown[], offset(node, parentAt));
      open.delete(node);
    } else {
      result = { value: null, size: 1 };
    }
    built.set(node, result);
    return result;
  };

  const buildPairs = (pairs: readonly unknown[], mapAt: number): Built => {
    const object: Record<string, unknown> = {};
    const written = new Set<string>();
    let size = 1;
    for (const pair of pairs) {
      if (!isPair(pair)) continue;
      const at = offset(pair.key, mapAt);
      // `<<` (plain) is a merge key: the composer gives it a symbol value.
      if (isScalar(pair.key) && typeof pair.key.value === 'symbol') {
        const sources = isSeq(pair.value) ? (pair.value.items as unknown[]) : [pair.value];
        for (const source of sources) {
          const target = isAlias(source) ? anchors.get(source.source) : source;
          const merged = build(source, at);
          if (!isMap(target) || merged.value === null || typeof merged.value !== 'object' || Array.isArray(merged.value)) {
            fail(
              offset(source, at),
              'has a merge key (<<) whose value is not a mapping',
              'a mapping, an alias of one, or a list of them after <<',
            );
          }
          size += merged.size;
          for (const [k, v] of Object.entries(merged.value as Record<string, unknown>)) {
            if (!Object.prototype.hasOwnProperty.call(object, k)) object[k] = v;
          }
        }
        continue;
      }
      const key = build(pair.key, at);
      const name = keyText(key.value);
      if (name === '__proto__')
        fail(at, 'has the key "__proto__", which JavaScript takes as the object\'s prototype, not as data', 'any other key');
      if (written.has(name)) fail(at, `has the key "${name}" twice in one mapping`, 'each key once per mapping');
      written.add(name);
      const value = build(pair.value, at);
      object[name] = value.value;
      size += key.size + value.size;
    }
    return { value: object, size };
  };

  return build(doc.contents, 0).value;
}

/**
 * Offset of the node at `path` (a mapping entry: its key), or of the deepest entry on the way there.
 * `keys` indexes each mapping's entries on first use: a config with 20,000 unknown keys asks for
 * 20,000 lines.
 */
function offsetOf(doc: Document.Parsed, path: readonly (string | number)[], keys: WeakMap<object, Map<string, Pair>>): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = path.length === 0 ? (doc.contents?.range[0] ?? doc.range[0]) : undefined;
  for (const part of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      let index = keys.get(node);
      if (!index) {
        index = new Map();
        for (const pair of node.items as unknown[]) {
          if (isPair(pair) && isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair);
        }
        keys.set(node, index);
      }
      const pair = index.get(String(part));
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      next = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      next = node.items[part];
      if (!isNode(next)) break;
      offset = next.range?.[0] ?? offset;
    } else {
      break;
    }
    node = next;
  }
  return offset;
}
