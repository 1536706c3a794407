/**
 * Loads a manifest folder the way `kubectl apply -f DIR` reads it (non-recursive, `*.yaml|*.yml|*.json`),
 * plus its installer inputs (`DIR/install/` or `--install DIR`). YAML errors become findings; a folder
 * that is missing or unreadable is a CheckLoadError ("could not check").
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseYamlDocuments, readYamlFile, YAML_LIMITS, YamlInputError, type YamlDocument } from '../yaml/load';
import type { Finding, ManifestDoc } from './finding';
import { isRecord } from './objects';

export class CheckLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckLoadError';
  }
}

export interface LoadedFolder {
  readonly docs: ManifestDoc[];
  readonly installDocs: ManifestDoc[];
  /** YAML syntax errors and non-object documents. */
  readonly findings: Finding[];
  readonly files: string[];
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

function listFiles(dir: string, what: string, expected = 'a folder of *.yaml manifests, e.g. dist/ after `npm run synth`'): string[] {
  let stat;
  try {
    stat = statSync(dir);
  } catch (err) {
    throw new CheckLoadError(
      `${what} ${dir} does not exist or cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected ${expected}`,
    );
  }
  if (!stat.isDirectory()) throw new CheckLoadError(`${what} ${dir} is not a folder; expected ${expected}`);
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && MANIFEST_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new CheckLoadError(`${what} ${dir} cannot be listed: ${(err as Error).message}`);
  }
}

/**
 * A symlinked manifest is read through the link, as `kubectl apply -f DIR` opens it; a link that
 * leads nowhere, loops, or leads to a folder is reported instead of skipped silently.
 */
function symlinkProblem(path: string, file: string): Finding | undefined {
  let link;
  try {
    link = lstatSync(path);
  } catch {
    return undefined; // vanished since the listing: parseFile reports it
  }
  if (!link.isSymbolicLink()) return undefined;
  let target = '';
  try {
    target = readlinkSync(path);
  } catch {
    // unreadable link text: the stat below says why
  }
  try {
    if (statSync(path).isFile()) return undefined;
    return {
      rule: 'load/symlink',
      severity: 'error',
      file,
      message: `symlink to "${target}" leads to a folder, not a manifest file: not checked`,
      fix: 'link a file, or check that folder itself',
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ELOOP'
        ? 'is a symlink loop'
        : code === 'ENOENT'
          ? 'leads to nothing (dangling link)'
          : `cannot be followed (${code ?? (err as Error).message})`;
    return {
      rule: 'load/symlink',
      severity: 'error',
      file,
      message: `symlink to "${target}" ${why}: not checked`,
      fix: 'point the link at an existing manifest file, or remove it',
    };
  }
}

function parseFile(path: string, file: string, docs: ManifestDoc[], findings: Finding[]): void {
  const linkProblem = symlinkProblem(path, file);
  if (linkProblem) {
    findings.push(linkProblem);
    return;
  }
  let parsed: YamlDocument[];
  try {
    parsed = parseYamlDocuments(readYamlFile(path, YAML_LIMITS.manifests, file), file, YAML_LIMITS.manifests);
  } catch (err) {
    if (err instanceof YamlInputError) {
      findings.push({
        rule: 'load/yaml',
        severity: 'error',
        file,
        field: err.position ? `line ${err.position.line}, column ${err.position.column}` : undefined,
        ...(err.position ? { line: err.position.line } : {}),
        message: `${err.problem}; allowed: ${err.allowed}`,
        fix: 'fix the YAML: kubectl refuses the whole file',
      });
    } else {
      findings.push({ rule: 'load', severity: 'error', file, message: `cannot read file: ${(err as Error).message}` });
    }
    return;
  }
  parsed.forEach((doc, index) => {
    const obj = doc.value;
    const line = doc.position.line;
    if (obj === null || obj === undefined) return; // empty documents (`---` at the end) are fine
    if (Array.isArray(obj) && file.endsWith('.json') === false) {
      findings.push({
        rule: 'load/yaml',
        severity: 'error',
        file,
        line,
        field: `document ${index}`,
        message: 'document is a list, not an object',
        fix: 'write one object per YAML document',
      });
      return;
    }
    if (!isRecord(obj)) {
      findings.push({
        rule: 'load/yaml',
        severity: 'error',
        file,
        line,
        field: `document ${index}`,
        message: `document is a ${typeof obj}, not an object`,
        fix: 'write one Kubernetes object per YAML document',
      });
      return;
    }
    // A `kind: List` is unpacked, as kubectl does.
    if (obj.kind === 'List' && Array.isArray(obj.items)) {
      obj.items.forEach((item, i) => {
        if (isRecord(item)) docs.push({ file, index: docs.length, object: item, line: doc.lineOf(['items', i]) ?? line });
      });
      return;
    }
    docs.push({ file, index, object: obj, line });
  });
}

/**
 * Reads `dir` (non-recursive) and its installer inputs: `installDir` when given, else `dir/install`
 * when it exists. File names in the result are relative to `dir` (`install/x.yaml` for installer inputs
 * under it).
 */
export function loadManifestFolder(dir: string, installDir?: string): LoadedFolder {
  const docs: ManifestDoc[] = [];
  const installDocs: ManifestDoc[] = [];
  const findings: Finding[] = [];
  const files = listFiles(dir, 'manifest folder');
  for (const f of files) parseFile(join(dir, f), f, docs, findings);
  findings.push(...subfolderFindings(dir, installDir));
  let installPath = installDir;
  let prefix = installDir ? `${installDir.replace(/\/+$/, '')}/` : 'install/';
  if (!installPath) {
    const candidate = join(dir, 'install');
    try {
      if (statSync(candidate).isDirectory()) installPath = candidate;
    } catch {
      // no install/ folder: manifests only
    }
    prefix = 'install/';
  }
  const installFiles: string[] = [];
  if (installPath) {
    for (const f of listFiles(
      installPath,
      'installer input folder',
      'a folder of installer inputs (Helm values, IstioOperator, kind config), e.g. dist/install',
    )) {
      installFiles.push(prefix + f);
      parseFile(join(installPath, f), prefix + f, installDocs, findings);
    }
  }
  return { docs, installDocs, findings, files: [...files, ...installFiles] };
}

/**
 * Manifests in sub-folders (other than install/) are skipped by `kubectl apply -f DIR` without -R,
 * e.g. cdk8s FOLDER_PER_CHART_FILE_PER_RESOURCE output: say so instead of checking them.
 */
function subfolderFindings(dir: string, installDir?: string): Finding[] {
  const out: Finding[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  let self = resolve(dir);
  try {
    self = realpathSync(dir);
  } catch {
    // keep the plain path
  }
  for (const e of entries) {
    const sub = join(dir, e.name);
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      if (MANIFEST_FILE.test(e.name)) continue; // listed as a manifest: reported as a link to a folder
      try {
        // A linked folder counts like a real one; a link back to the folder itself (a loop) does not.
        isDir = statSync(sub).isDirectory() && realpathSync(sub) !== self;
      } catch {
        isDir = false; // dangling or looping links to folders hold no manifests
      }
    }
    if (!isDir || e.name.startsWith('.') || (installDir ? resolve(sub) === resolve(installDir) : e.name === 'install')) continue;
    let count = 0;
    try {
      count = readdirSync(sub).filter((f) => MANIFEST_FILE.test(f)).length;
    } catch {
      continue;
    }
    if (count > 0) {
      out.push({
        rule: 'load/subfolder',
        severity: 'warning',
        file: `${e.name}/`,
        message: `${count} manifest file(s) in sub-folder ${e.name}/ are not read by \`kubectl apply -f ${dir}\` (no -R) and were not checked`,
        fix: `move them into ${dir}/, apply with -R, or check the sub-folder itself`,
      });
    }
  }
  return out;
}
