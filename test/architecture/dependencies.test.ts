/**
 * package.json declares exactly what the code needs: `dependencies` are the packages src/ imports
 * (what an installed meshtrace loads at run time, or needs for its declarations), nothing more;
 * `devDependencies` cover what only test/ and scripts/ import. Checked against the resolved import
 * graph (static, dynamic and type imports), plus the model packages `check` imports by a name read
 * from data (known-fields.generated.json), which no import statement shows.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { KNOWN_FIELDS_FILE, type KnownFieldsFile } from '../../src/check/schema/known-fields';
import { REPO_ROOT } from '../../src/paths';
import { collectImportGraph, describeEdge, type ImportEdge, type ImportGraph } from './import-graph';

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as Manifest;

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; undefined for our files and builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/** Package name → the first import of it (where a failure points). */
function packagesImported(graph: ImportGraph): Map<string, ImportEdge> {
  const out = new Map<string, ImportEdge>();
  for (const edge of graph) {
    const name = edge.to === undefined ? packageOf(edge.specifier) : undefined;
    if (name !== undefined && !out.has(name)) out.set(name, edge);
  }
  return out;
}

/**
 * What is wrong with `declared` for code that imports `used` (package → where): an import of an
 * undeclared package, and (with `unusedToo`) a declared package nothing imports.
 */
export function dependencyProblems(
  declared: readonly string[],
  used: ReadonlyMap<string, string>,
  { section, unusedToo }: { section: string; unusedToo: boolean },
): string[] {
  const have = new Set(declared);
  const problems: string[] = [];
  for (const [name, where] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
    if (!have.has(name)) problems.push(`${where}, but '${name}' is not in ${section}`);
  }
  if (unusedToo) {
    for (const name of [...have].sort())
      if (!used.has(name))
        problems.push(
          `'${name}' is in ${section}, but nothing imports it (move it to devDependencies if only tests or scripts use it, else remove it)`,
        );
  }
  return problems;
}

const where = (imports: Map<string, ImportEdge>): Map<string, string> =>
  new Map([...imports].map(([name, edge]) => [name, describeEdge(edge)]));

/**
 * Adds the peer dependencies of the packages used (cdk8s needs `constructs` beside it): the app has
 * to declare those even where it imports nothing from them. Our own package is read from the repo.
 */
function withPeers(used: Map<string, string>): Map<string, string> {
  const out = new Map(used);
  for (const name of used.keys()) {
    const dir = name === 'meshtrace' ? REPO_ROOT : join(REPO_ROOT, 'node_modules', name);
    const { peerDependencies = {}, peerDependenciesMeta = {} } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    for (const peer of Object.keys(peerDependencies)) {
      if (!out.has(peer) && !peerDependenciesMeta[peer]?.optional) out.set(peer, `'${name}' has the peer dependency '${peer}'`);
    }
  }
  return out;
}

describe('package.json dependencies', () => {
  const manifest = readManifest('.');
  const dependencies = Object.keys(manifest.dependencies ?? {});
  const devDependencies = Object.keys(manifest.devDependencies ?? {});

  test('are exactly the packages src/ imports (and the models check loads by name)', () => {
    const used = where(packagesImported(collectImportGraph(REPO_ROOT, 'src')));
    const knownFields = JSON.parse(readFileSync(KNOWN_FIELDS_FILE, 'utf8')) as KnownFieldsFile;
    for (const [kind, module] of Object.entries(knownFields.modules)) {
      const name = packageOf(module)!;
      if (!used.has(name))
        used.set(name, `src/check/schema/schema-check.ts imports '${module}' (model of ${kind}, named in known-fields.generated.json)`);
    }
    // Known edges, so an empty graph cannot pass: the relay's exporter, the CLI's parser, a model.
    expect(['@opentelemetry/otlp-exporter-base', 'commander', '@kubernetes-models/istio'].filter((name) => !used.has(name))).toEqual([]);
    expect(dependencyProblems(dependencies, withPeers(used), { section: 'dependencies', unusedToo: true })).toEqual([]);
  });

  test('with devDependencies, cover every package test/ and scripts/ import', () => {
    const used = where(
      new Map([...packagesImported(collectImportGraph(REPO_ROOT, 'scripts')), ...packagesImported(collectImportGraph(REPO_ROOT, 'test'))]),
    );
    expect(used.has('@jest/globals')).toBe(true);
    expect(
      dependencyProblems([...dependencies, ...devDependencies], used, { section: 'dependencies or devDependencies', unusedToo: false }),
    ).toEqual([]);
  });

  test('of the sample cdk8s app are what it imports', () => {
    const sample = readManifest('samples/cdk8s-app');
    const used = withPeers(where(packagesImported(collectImportGraph(REPO_ROOT, 'samples/cdk8s-app'))));
    expect([used.has('meshtrace'), used.has('constructs')]).toEqual([true, true]);
    expect(
      dependencyProblems(Object.keys(sample.dependencies ?? {}), used, { section: 'samples/cdk8s-app dependencies', unusedToo: true }),
    ).toEqual([]);
  });
});

describe('the dependency check itself (negative controls)', () => {
  const used = new Map([
    ['zod', "src/a.ts:1 imports 'zod'"],
    ['undici', "src/b.ts:3 imports 'undici/lib'"],
  ]);

  test('an import of an undeclared package names the file, line and package', () => {
    expect(dependencyProblems(['zod'], used, { section: 'dependencies', unusedToo: true })).toEqual([
      "src/b.ts:3 imports 'undici/lib', but 'undici' is not in dependencies",
    ]);
  });

  test('a declared package nothing imports is reported only where unused ones count', () => {
    expect(dependencyProblems(['zod', 'undici', 'zx'], used, { section: 'dependencies', unusedToo: true })).toEqual([
      "'zx' is in dependencies, but nothing imports it (move it to devDependencies if only tests or scripts use it, else remove it)",
    ]);
    expect(dependencyProblems(['zod', 'undici', 'zx'], used, { section: 'devDependencies', unusedToo: false })).toEqual([]);
  });

  test('package names: scoped, deep imports, builtins and our own files', () => {
    expect(['@scope/pkg/deep/file', 'ajv/dist/2020', 'node:fs', 'fs', './x', '../y/z'].map(packageOf)).toEqual([
      '@scope/pkg',
      'ajv',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
