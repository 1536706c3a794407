/**
 * Generates `src/check/schema/known-fields.generated.json`: the tree of field names every Kubernetes, Istio and
 * Traefik kind accepts, read from the type declarations of the installed `kubernetes-models` packages.
 *
 * Why: kubernetes-models validates types but lets unknown fields through (its ajv schemas have no
 * `additionalProperties: false`), so `spec.replicaz` or `tracing[0].provider` pass silently. The
 * models ship no JSON schemas, only compiled validators and `.d.ts` files; the `.d.ts` files carry
 * every field name, so we walk them once with the TypeScript checker (slow: ~2 s) at development
 * time and commit a compact JSON that `check` loads in milliseconds. A test regenerates it and fails
 * when the installed model versions drift from the committed file.
 *
 * Run: `npx tsx scripts/generate-known-fields.ts` (after upgrading any kubernetes-models package).
 */
import ts from 'typescript';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../src/paths';
import { KNOWN_FIELDS_FILE, MODEL_PACKAGES, type KnownFieldsFile, type KnownFieldsNode } from '../src/check/schema/known-fields';

interface KindFile {
  readonly apiVersion: string;
  readonly kind: string;
  readonly file: string;
  readonly module: string;
}

function listKindFiles(pkg: string, pkgDir: string): KindFile[] {
  const out: KindFile[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('_') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < 3) walk(full, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts') {
        const text = readFileSync(full, 'utf8');
        const kind = /"kind": "(\w+)";/.exec(text)?.[1];
        const apiVersion = /"apiVersion": "([^"]+)";/.exec(text)?.[1];
        if (kind && apiVersion && kind === entry.name.slice(0, -'.d.ts'.length) && !kind.endsWith('List')) {
          out.push({ apiVersion, kind, file: full, module: `${pkg}/${relative(pkgDir, full).slice(0, -'.d.ts'.length)}` });
        }
      }
    }
  };
  walk(pkgDir, 0);
  return out;
}

export function generateKnownFields(): KnownFieldsFile {
  const nodeModules = join(REPO_ROOT, 'node_modules');
  const kindFiles = MODEL_PACKAGES.flatMap((pkg) => listKindFiles(pkg, join(nodeModules, pkg)));
  const entry = join(REPO_ROOT, '__known_fields_entry.ts');
  const source =
    kindFiles
      .map(
        (k, n) => `import type { I${k.kind} as T${n} } from ${JSON.stringify('./' + relative(REPO_ROOT, k.file).replace(/\.d\.ts$/, ''))};`,
      )
      .join('\n') + `\nexport type All = [${kindFiles.map((_, n) => `T${n}`).join(', ')}];\n`;
  const host = ts.createCompilerHost({});
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (f, lang, ...rest) => (f === entry ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang, ...rest));
  host.fileExists = (f) => f === entry || fileExists(f);
  const program = ts.createProgram(
    [entry],
    {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      types: [],
      skipLibCheck: true,
    },
    host,
  );
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(entry)!;
  const all = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!).find((s) => s.name === 'All')!;
  const tuple = checker.getDeclaredTypeOfSymbol(all) as ts.TypeReference;
  const members = checker.getTypeArguments(tuple);

  const types: KnownFieldsNode[] = [];
  const seen = new Map<ts.Type, number>();
  const PRIMITIVE = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike;

  const walk = (raw: ts.Type): number => {
    const type = checker.getNonNullableType(raw);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return -1;
    const parts = type.isUnion() ? type.types : [type];
    const objects = parts.filter((t) => !(t.flags & PRIMITIVE) && t.flags & ts.TypeFlags.Object);
    if (objects.length === 0) return -1;
    // int-or-string style unions of a primitive and an object are rare; treat the object part.
    const key = objects.length === 1 ? objects[0]! : type;
    const known = seen.get(key);
    if (known !== undefined) return known;
    const index = types.length;
    const node: KnownFieldsNode = {};
    types.push(node);
    seen.set(key, index);
    for (const obj of objects) {
      if (checker.isArrayType(obj) || checker.isTupleType(obj)) {
        const elem = checker.getTypeArguments(obj as ts.TypeReference)[0];
        node.i = elem ? walk(elem) : -1;
        continue;
      }
      const stringIndex = checker.getIndexTypeOfType(obj, ts.IndexKind.String);
      if (stringIndex) node.m = walk(stringIndex);
      for (const prop of checker.getPropertiesOfType(obj)) {
        node.p ??= {};
        node.p[prop.name] = walk(checker.getTypeOfSymbol(prop));
      }
    }
    return index;
  };

  const roots: Record<string, number> = {};
  const modules: Record<string, string> = {};
  kindFiles.forEach((k, n) => {
    roots[`${k.apiVersion}/${k.kind}`] = walk(members[n]!);
    modules[`${k.apiVersion}/${k.kind}`] = k.module;
  });
  const packages: Record<string, string> = {};
  for (const pkg of MODEL_PACKAGES) {
    packages[pkg] = JSON.parse(readFileSync(join(nodeModules, pkg, 'package.json'), 'utf8')).version;
  }
  return { packages, roots, modules, types };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const tree = generateKnownFields();
  writeFileSync(KNOWN_FIELDS_FILE, JSON.stringify(tree) + '\n');
  process.stdout.write(
    `${Object.keys(tree.roots).length} kinds, ${tree.types.length} types → ${KNOWN_FIELDS_FILE} (${(performance.now() - t0).toFixed(0)} ms)\n`,
  );
}
