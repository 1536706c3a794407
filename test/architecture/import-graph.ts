// Builds the project's own import graph from the sources with the TypeScript compiler's
// pre-processor (static, `export … from`, dynamic `import()` and `import('x')` types), so the
// layer rules are checked against what the code actually imports, not against a hand list.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** One import: the importing file, what it names, where (1-based line), and the resolved target. */
export interface ImportEdge {
  /** Importing file, relative to the repository root with `/` separators (`src/relay/hop.ts`). */
  readonly from: string;
  /** The specifier as written (`../cli/relay`, `node:fs`, `esbuild`). */
  readonly specifier: string;
  /** Our file the specifier resolves to, or undefined for a package or `node:` builtin. */
  readonly to?: string;
  readonly line: number;
}

export type ImportGraph = readonly ImportEdge[];

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listSources(full));
    else if (SOURCE_EXTENSIONS.some((ext) => entry.endsWith(ext)) && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Resolves a relative specifier the way the bundler resolution in tsconfig does (extensionless or `.js`). */
function resolveRelative(root: string, fromFile: string, specifier: string): string | undefined {
  const base = join(dirname(join(root, fromFile)), specifier);
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, ...SOURCE_EXTENSIONS.map((ext) => stem + ext), ...SOURCE_EXTENSIONS.map((ext) => join(base, 'index' + ext))];
  const hit = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return hit === undefined ? undefined : relative(root, hit).split(sep).join('/');
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** Every import of every source file under `root/srcDir`. */
export function collectImportGraph(root: string, srcDir = 'src'): ImportGraph {
  const edges: ImportEdge[] = [];
  for (const file of listSources(join(root, srcDir))) {
    const from = relative(root, file).split(sep).join('/');
    const text = readFileSync(file, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.importedFiles) {
      const line = lineOf(text, ref.pos);
      const specifier = ref.fileName;
      const to = specifier.startsWith('.') ? resolveRelative(root, from, specifier) : undefined;
      if (specifier.startsWith('.') && to === undefined) {
        throw new Error(`${from}:${line}: import '${specifier}' resolves to no file`);
      }
      edges.push({ from, specifier, to, line });
    }
  }
  return edges;
}

/** `file:line imports 'specifier'` — the shape every failure message uses. */
export function describeEdge(edge: ImportEdge): string {
  return `${edge.from}:${edge.line} imports '${edge.specifier}'${edge.to ? ` (${edge.to})` : ''}`;
}

/**
 * Cycles among our own files: one per strongly connected component (Tarjan), each given as a
 * closed path of edges so the message names every import that has to go.
 */
export function findCycles(graph: ImportGraph): ImportEdge[][] {
  const out = new Map<string, ImportEdge[]>();
  for (const edge of graph) {
    if (edge.to === undefined) continue;
    const list = out.get(edge.from) ?? [];
    list.push(edge);
    out.set(edge.from, list);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const strongConnect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const edge of out.get(node) ?? []) {
      const next = edge.to!;
      if (!index.has(next)) {
        strongConnect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (out.get(node) ?? []).some((edge) => edge.to === node);
      if (component.length > 1 || selfLoop) components.push(component.sort());
    }
  };
  for (const node of [...out.keys()].sort()) if (!index.has(node)) strongConnect(node);
  return components.map((component) => cyclePath(component, out));
}

/** A shortest closed path through the first member of a strongly connected component (breadth-first). */
function cyclePath(component: string[], out: Map<string, ImportEdge[]>): ImportEdge[] {
  const members = new Set(component);
  const start = component[0];
  const via = new Map<string, ImportEdge>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of out.get(node) ?? []) {
      if (!members.has(edge.to!)) continue;
      if (edge.to === start) {
        const path = [edge];
        for (let at = node; at !== start; at = via.get(at)!.from) path.unshift(via.get(at)!);
        return path;
      }
      if (!via.has(edge.to!)) {
        via.set(edge.to!, edge);
        queue.push(edge.to!);
      }
    }
  }
  throw new Error(`no cycle through ${start}`);
}

/** A layer rule: files matching `files` must not import anything `forbidden` matches. */
export interface LayerRule {
  readonly name: string;
  /** Does this rule govern the importing file (root-relative path)? */
  readonly files: (file: string) => boolean;
  /** Is this import forbidden? `to` is set for our own files, `specifier` always. */
  readonly forbidden: (edge: ImportEdge) => boolean;
}

export interface LayerViolation {
  readonly rule: string;
  readonly edge: ImportEdge;
}

export function layerViolations(graph: ImportGraph, rules: readonly LayerRule[]): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const rule of rules) {
    for (const edge of graph) if (rule.files(edge.from) && rule.forbidden(edge)) violations.push({ rule: rule.name, edge });
  }
  return violations;
}

/** True when `file` lies inside the folder `dir` (both root-relative, `/`-separated). */
export function inside(dir: string, file: string | undefined): boolean {
  return file !== undefined && (file === dir || file.startsWith(posix.join(dir, '/')));
}
