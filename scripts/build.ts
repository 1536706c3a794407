/**
 * `npm run build`: the published JavaScript in lib/ (see docs/package.md for the choice).
 *
 * esbuild bundles our own sources (ESM, code-split, Node 22 target) and leaves every dependency
 * external but the constants-only BUNDLED_DEPENDENCIES, so the package shares one copy of
 * cdk8s/constructs with the user's app (constructs identify each other by class; two copies would
 * not compose). tsc then writes declarations only
 * (tsconfig.build.json). Bundling instead of plain tsc output: the sources import with extensionless
 * specifiers (moduleResolution: bundler), which Node's ESM loader refuses; a bundle needs no rewrite
 * of 200 source files, and one file per entry loads faster than hundreds of small modules.
 *
 * The bundles sit directly in lib/, one folder below the package root as src/ files are, so
 * PACKAGE_ROOT (src/paths.ts) resolves the same from either. lib/relay/ holds the relay bundle that
 * synth embeds in the relay chain's ConfigMap (scripts/build-relay-bundle.ts).
 */
import { build, type Plugin } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT as PACKAGE_ROOT } from '../src/paths';
import { RELAY_BUNDLE_DIR } from '../src/stack/relay-bundle';
import { fixDeclarationSpecifiers } from './build-declarations';
import { buildRelayBundleFiles } from './build-relay-bundle';
import { execFileSync } from 'node:child_process';

/** The published entry points: lib/<name>.js. */
export const ENTRY_POINTS = {
  index: 'src/index.ts',
  verify: 'src/verify/public.ts',
  propagation: 'src/propagation/public.ts',
  cli: 'src/cli/index.ts',
  'relay-hop': 'src/demo/relay-hop-main.ts',
} as const;

/**
 * Dependencies bundled into lib/ instead of imported at run time: constants only, with no identity to
 * share with the user's app. `@opentelemetry/semantic-conventions` is ~150 KB of modules that Node
 * would load (~40 ms) on every `meshtrace --help` for the dozen attribute names the kit uses;
 * bundled, esbuild keeps just those strings.
 */
const BUNDLED_DEPENDENCIES = new Set(['@opentelemetry/semantic-conventions']);

/**
 * Node's ESM loader needs the exact file for a deep import into a package without an `exports` map
 * (`ajv/dist/2020` → `ajv/dist/2020.js`); esbuild resolves it like a bundler would. Every
 * dependency stays external; only such subpaths are spelled out as the file esbuild found.
 */
const nodeResolvableDeepImports: Plugin = {
  name: 'node-resolvable-deep-imports',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'inner') return undefined; // b.resolve below: esbuild's own resolution
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const name = packageName(args.path);
      if (BUNDLED_DEPENDENCIES.has(name)) return undefined;
      if (name === args.path) return { path: args.path, external: true };
      const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
      if (found.errors.length > 0) return { errors: found.errors };
      const packageDir = packageDirOf(found.path, name);
      const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { exports?: unknown };
      if (manifest.exports !== undefined) return { path: args.path, external: true };
      return { path: `${name}/${relative(packageDir, found.path).split(sep).join('/')}`, external: true };
    });
  },
};

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

function packageDirOf(file: string, name: string): string {
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) throw new Error(`build: ${file} is not inside node_modules/${name}`);
  return file.slice(0, at + marker.length - 1);
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/**
 * Moves the staged build into lib/ one file at a time, each by a rename (atomic), skipping files
 * whose bytes did not change: a test or a CLI loading lib/ meanwhile (jest workers run beside the
 * package test's full build) sees the old file or the new one, never a half-written one, and lib/
 * never disappears. `prune` then drops files the new build did not write (chunks no entry uses any more).
 */
function publish(staging: string, lib: string, prune: boolean): void {
  const written = new Set(filesUnder(staging));
  for (const file of written) {
    const from = join(staging, file);
    const to = join(lib, file);
    if (existsSync(to) && readFileSync(to).equals(readFileSync(from))) continue;
    mkdirSync(dirname(to), { recursive: true });
    renameSync(from, to);
  }
  if (prune) for (const file of filesUnder(lib)) if (!written.has(file)) rmSync(join(lib, file));
}

/**
 * tsc's declarations and its incremental state, kept between builds of this checkout: `npm ci`'s
 * build and `npm pack`'s (the package test) then pay tsc's full pass once (~6–11 s of CPU, ~3 s warm).
 */
const DECLARATIONS_CACHE = join(PACKAGE_ROOT, 'node_modules', '.cache', 'meshtrace', 'declarations');

/** Writes the declarations into `into`: tsc (incremental) into the cache, then a copy of what belongs to a source file. */
function buildDeclarations(into: string): void {
  const out = join(DECLARATIONS_CACHE, 'types');
  const state = join(DECLARATIONS_CACHE, 'declarations.tsbuildinfo');
  // tsc does not write again what its state says it wrote: without those files, start afresh
  if (!existsSync(out)) rmSync(state, { force: true });
  const tsc = join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const config = join(PACKAGE_ROOT, 'tsconfig.build.json');
  execFileSync(process.execPath, [tsc, '-p', config, '--outDir', out, '--incremental', '--tsBuildInfoFile', state], { stdio: 'inherit' });
  // A source file deleted since an earlier build left its declaration in the cache: not shipped.
  for (const file of filesUnder(out)) {
    const source = join(PACKAGE_ROOT, 'src', file.replace(/\.d\.ts$/, '.ts'));
    if (!file.endsWith('.d.ts') || !existsSync(source)) continue;
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(join(out, file), join(into, file));
  }
}

/** Builds lib/; `declarations: false` (`--js-only`, what the test suite needs) skips the slow tsc pass. */
export async function buildPackage({ declarations = true } = {}): Promise<void> {
  const lib = join(PACKAGE_ROOT, 'lib');
  // A sibling of lib/, so the linked source maps' relative paths are the same from either.
  const staging = join(PACKAGE_ROOT, `.lib-staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const t0 = performance.now();
    await build({
      absWorkingDir: PACKAGE_ROOT,
      entryPoints: ENTRY_POINTS,
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      sourcemap: 'linked',
      plugins: [nodeResolvableDeepImports],
      logLevel: 'warning',
    });
    const relayDir = join(staging, relative(lib, RELAY_BUNDLE_DIR));
    mkdirSync(relayDir, { recursive: true });
    for (const [name, bytes] of Object.entries(buildRelayBundleFiles(PACKAGE_ROOT))) writeFileSync(join(relayDir, name), bytes);
    const t1 = performance.now();
    if (declarations) {
      buildDeclarations(join(staging, 'types'));
      fixDeclarationSpecifiers(join(staging, 'types'));
    }
    const t2 = performance.now();
    // --js-only keeps what else is in lib/ (the declarations of an earlier full build); the full
    // build replaces the whole tree.
    publish(staging, lib, declarations);
    process.stdout.write(
      `build: lib/ bundles and the relay bundle ${Math.round(t1 - t0)} ms${declarations ? `, declarations ${Math.round(t2 - t1)} ms` : ''}\n`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildPackage({ declarations: !process.argv.includes('--js-only') });
