/**
 * The layers of docs/architecture.md, checked over the resolved import graph of src/ (static,
 * `export … from`, dynamic `import()` and `import('x')` types). ESLint's no-restricted-imports
 * checks the same rules on the specifiers as written; this test also sees dynamic imports and
 * cycles. A failure names every offending import as `file:line imports 'specifier'`.
 */
import { REPO_ROOT } from '../../src/paths';
import { collectImportGraph, describeEdge, findCycles, inside, layerViolations, type ImportEdge, type LayerRule } from './import-graph';

const ROOT = REPO_ROOT;

/** Builtins and packages that do I/O (a pure layer may not import them); `node:crypto` as in eslint.config.js. */
const IO_SPECIFIERS =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads)$|^(esbuild|execa|undici|@kubernetes\/client-node)(\/|$)/;

/** Leaf modules under src/: shared by several layers, so they import nothing of ours. */
const LEAVES = [
  'src/finding.ts',
  'src/faults.ts',
  'src/sensitive-data.ts',
  'src/errors.ts',
  'src/random-ids.ts',
  'src/duration.ts',
  'src/attribute-names.ts',
];

const importsAny = (edge: ImportEdge, dirs: readonly string[]): boolean => dirs.some((dir) => inside(`src/${dir}`, edge.to));

const LAYER_RULES: readonly LayerRule[] = [
  {
    name: 'propagation imports nothing of ours and does no I/O',
    files: (f) => inside('src/propagation', f),
    // Random ids come from the caller (`IdSource`), so not even node:crypto.
    forbidden: (e) =>
      (e.to !== undefined && !inside('src/propagation', e.to)) || IO_SPECIFIERS.test(e.specifier) || /^(node:)?crypto$/.test(e.specifier),
  },
  {
    name: 'constructs do no I/O and import neither config, relay, check, verify, cluster, cli, stack nor demo',
    files: (f) => inside('src/constructs', f),
    // config is the CLI's schema: constructs take their own Props (stack/props/ maps the config to them).
    forbidden: (e) =>
      importsAny(e, ['config', 'relay', 'check', 'verify', 'cluster', 'cli', 'stack', 'demo']) || IO_SPECIFIERS.test(e.specifier),
  },
  {
    name: 'relay imports neither cli, verify nor demo',
    files: (f) => inside('src/relay', f),
    forbidden: (e) => importsAny(e, ['cli', 'verify', 'demo']),
  },
  {
    name: 'relay/http1 imports nothing of ours but propagation',
    files: (f) => inside('src/relay/http1', f),
    forbidden: (e) => e.to !== undefined && !inside('src/relay/http1', e.to) && !inside('src/propagation', e.to),
  },
  {
    name: 'relay/http1 is used only through its index.ts',
    files: (f) => !inside('src/relay/http1', f),
    forbidden: (e) => inside('src/relay/http1', e.to) && e.to !== 'src/relay/http1/index.ts',
  },
  {
    name: 'verify imports neither constructs, stack nor cli',
    files: (f) => inside('src/verify', f),
    forbidden: (e) => importsAny(e, ['constructs', 'stack', 'cli']),
  },
  {
    name: 'a leaf module imports nothing of ours',
    files: (f) => LEAVES.includes(f),
    forbidden: (e) => e.to !== undefined,
  },
];

function report(violations: ReturnType<typeof layerViolations>): string[] {
  return violations.map((v) => `${v.rule}: ${describeEdge(v.edge)}`);
}

function cycleReport(cycles: ImportEdge[][]): string[] {
  return cycles.map((cycle) => `cycle: ${cycle.map(describeEdge).join(' → ')}`);
}

describe('the import graph of src/', () => {
  const graph = collectImportGraph(ROOT);

  test('is read from the sources (the layers below are checked against real imports)', () => {
    // Known edges: the CLI's relay command uses the relay; the relay uses propagation.
    expect(graph.some((e) => e.from === 'src/cli/relay.ts' && inside('src/relay', e.to))).toBe(true);
    expect(graph.some((e) => inside('src/relay', e.from) && inside('src/propagation', e.to))).toBe(true);
    // Dynamic imports count too (the CLI loads its heavy commands lazily).
    expect(graph.some((e) => e.from === 'src/cli/synth.ts' && e.to === 'src/stack/index.ts')).toBe(true);
  });

  test('holds the layer rules', () => {
    expect(report(layerViolations(graph, LAYER_RULES))).toEqual([]);
  });

  test('has no import cycles', () => {
    expect(cycleReport(findCycles(graph))).toEqual([]);
  });
});

describe('the checker itself (negative controls on a synthetic graph)', () => {
  const edge = (from: string, to: string, line = 1): ImportEdge => ({ from, to, specifier: to.replace(/\.ts$/, ''), line });

  test('a construct importing the relay is reported with file, line and specifier', () => {
    const graph = [
      edge('src/constructs/relay/relay-chain.ts', 'src/relay/faults.ts', 6),
      edge('src/constructs/relay/relay-chain.ts', 'src/constructs/workload-defaults.ts', 8),
    ];
    expect(report(layerViolations(graph, LAYER_RULES))).toEqual([
      "constructs do no I/O and import neither config, relay, check, verify, cluster, cli, stack nor demo: src/constructs/relay/relay-chain.ts:6 imports 'src/relay/faults' (src/relay/faults.ts)",
    ]);
  });

  test('a construct importing the config schema is reported; the schema importing a construct module is not', () => {
    const graph = [
      edge('src/constructs/jaeger/jaeger.ts', 'src/config/jaeger.ts', 2),
      edge('src/config/bookinfo.ts', 'src/constructs/apps/bookinfo-images.ts', 6),
    ];
    expect(report(layerViolations(graph, LAYER_RULES))).toEqual([
      "constructs do no I/O and import neither config, relay, check, verify, cluster, cli, stack nor demo: src/constructs/jaeger/jaeger.ts:2 imports 'src/config/jaeger' (src/config/jaeger.ts)",
    ]);
  });

  test('I/O in a pure layer and an import out of a leaf are reported', () => {
    const graph: ImportEdge[] = [
      { from: 'src/propagation/hex.ts', specifier: 'node:crypto', line: 3 },
      { from: 'src/constructs/x.ts', specifier: 'esbuild', line: 2 },
      edge('src/finding.ts', 'src/check/objects.ts'),
      edge('src/relay/bundle/entry.ts', 'src/cli/relay.ts'),
    ];
    expect(layerViolations(graph, LAYER_RULES).map((v) => v.edge.from)).toEqual([
      'src/propagation/hex.ts',
      'src/constructs/x.ts',
      'src/relay/bundle/entry.ts',
      'src/finding.ts',
    ]);
  });

  test('a deep import into relay/http1, and http1 importing the hop, are reported', () => {
    const graph = [
      edge('src/relay/hop.ts', 'src/relay/http1/upstream.ts', 9),
      edge('src/relay/hop.ts', 'src/relay/http1/index.ts', 10),
      edge('src/relay/http1/upstream.ts', 'src/relay/hop.ts', 3),
      edge('src/relay/http1/chunked.ts', 'src/propagation/index.ts', 9),
    ];
    expect(layerViolations(graph, LAYER_RULES).map((v) => `${v.rule}: ${v.edge.from}:${v.edge.line}`)).toEqual([
      'relay/http1 imports nothing of ours but propagation: src/relay/http1/upstream.ts:3',
      'relay/http1 is used only through its index.ts: src/relay/hop.ts:9',
    ]);
  });

  test('a three-file cycle is reported as a closed path; an acyclic graph gives none', () => {
    const cyclic = [
      edge('src/c/executor.ts', 'src/c/reports.ts', 23),
      edge('src/c/reports.ts', 'src/c/outcome.ts', 8),
      edge('src/c/outcome.ts', 'src/c/executor.ts', 4),
      edge('src/c/executor.ts', 'src/c/plan.ts'),
    ];
    expect(cycleReport(findCycles(cyclic))).toEqual([
      "cycle: src/c/executor.ts:23 imports 'src/c/reports' (src/c/reports.ts) → src/c/reports.ts:8 imports 'src/c/outcome' (src/c/outcome.ts) → src/c/outcome.ts:4 imports 'src/c/executor' (src/c/executor.ts)",
    ]);
    expect(findCycles(cyclic.slice(0, 2))).toEqual([]);
  });

  test('a file importing itself is a cycle', () => {
    expect(findCycles([edge('src/a.ts', 'src/a.ts')])).toHaveLength(1);
  });
});
