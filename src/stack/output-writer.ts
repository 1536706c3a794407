/**
 * The atomic output writer. `cdk8s synth` wipes its whole output folder (user files included)
 * and `App.synth()` never removes stale files; neither writes atomically. This writer:
 * - renders everything into a temporary folder NEXT TO the output folder (same filesystem, so
 *   each `rename` is atomic: a reader sees the old file or the new one, never half of one);
 * - leaves byte-identical files untouched (a re-run changes nothing, not even mtimes);
 * - removes only files it wrote earlier (listed in `.meshtrace-owned`, a name kubectl ignores)
 *   and only while they still hold what it wrote;
 * - refuses to overwrite a file it does not own unless the content is identical.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import type { OutputFile } from './build-stack';

/** Ownership manifest: one `<sha256>  <path>` line per file the kit wrote. No .yaml/.json extension: kubectl skips it. */
export const OWNERSHIP_FILE = '.meshtrace-owned';

export class OutputWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputWriteError';
  }
}

export interface WriteReport {
  readonly outdir: string;
  /** Files written or replaced. */
  readonly written: readonly string[];
  /** Files already byte-identical. */
  readonly unchanged: readonly string[];
  /** Stale files from an earlier run, removed. */
  readonly removed: readonly string[];
  /** Stale owned files NOT removed because someone edited them since. */
  readonly keptEdited: readonly string[];
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/**
 * `mkdir -p` that cannot hang: Node's `mkdir({ recursive: true })` loops forever under /proc
 * (measured on Node 20: `mkdir('/proc/x', { recursive: true })` never settles). Creates missing
 * folders one level at a time and turns failures into an OutputWriteError naming the folder.
 */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) throw new OutputWriteError(`${current} is not a folder; allowed: --outdir inside a folder you can write to`);
      break;
    } catch (err) {
      if (err instanceof OutputWriteError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new OutputWriteError(`cannot use ${current} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new OutputWriteError(`cannot create ${folder} (${code ?? (err as Error).message}); allowed: --outdir inside a folder you can write to`);
    }
  }
}

function checkRelativePath(path: string): void {
  const normal = normalize(path);
  if (isAbsolute(path) || normal.startsWith('..') || normal.split(sep).includes('..') || path === '' || path.includes('\\') || basename(path) === OWNERSHIP_FILE) {
    throw new OutputWriteError(`output file name ${JSON.stringify(path)} is not allowed; allowed: a relative path inside the output folder`);
  }
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Parses `.meshtrace-owned` into path → sha256. */
export function parseOwnership(text: string): Map<string, string> {
  const owned = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line.trim());
    if (m) owned.set(m[2]!, m[1]!);
  }
  return owned;
}

export function renderOwnership(files: readonly OutputFile[]): string {
  const lines = files.map((f) => `${sha256(f.content)}  ${f.path}`).sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  return `# Files written by meshtrace synth. It removes only these (and only if unchanged).\n${lines.join('\n')}\n`;
}

export async function writeOutput(outdirInput: string, files: readonly OutputFile[]): Promise<WriteReport> {
  const outdir = resolve(outdirInput);
  const paths = new Set<string>();
  for (const f of files) {
    checkRelativePath(f.path);
    if (paths.has(f.path)) throw new OutputWriteError(`two output files are both named ${f.path}`);
    paths.add(f.path);
  }

  const parent = dirname(outdir);
  await ensureDir(parent);
  let staging: string;
  try {
    staging = await mkdtemp(join(parent, `.${basename(outdir)}.tmp-`));
  } catch (err) {
    throw new OutputWriteError(`cannot create a staging folder in ${parent} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); allowed: --outdir inside a folder you can write to`);
  }
  try {
    // 1. Render everything into the staging folder first: a failure here leaves the output untouched.
    for (const f of files) {
      await ensureDir(dirname(join(staging, f.path)));
      await writeFile(join(staging, f.path), f.content);
    }
    const existing = await stat(outdir).catch(() => undefined);
    if (existing && !existing.isDirectory()) throw new OutputWriteError(`${outdir} is a file, not a folder; allowed: --outdir naming a folder (nothing was written)`);
    const ownedBefore = parseOwnership((await readOptional(join(outdir, OWNERSHIP_FILE)))?.toString('utf8') ?? '');

    // 2. Decide every action before touching the output folder.
    const toWrite: string[] = [];
    const unchanged: string[] = [];
    const collisions: string[] = [];
    for (const f of files) {
      const current = await readOptional(join(outdir, f.path));
      if (current === undefined) toWrite.push(f.path);
      else if (current.equals(Buffer.from(f.content))) unchanged.push(f.path);
      else if (ownedBefore.has(f.path)) toWrite.push(f.path);
      else collisions.push(f.path);
    }
    if (collisions.length > 0) {
      throw new OutputWriteError(
        `${outdir}: ${collisions.join(', ')} exist${collisions.length === 1 ? 's' : ''} but ${collisions.length === 1 ? 'was' : 'were'} not written by meshtrace; ` +
          'move them away or choose another --outdir (nothing was written)',
      );
    }
    const stale = [...ownedBefore.keys()].filter((p) => !paths.has(p));

    // 3. Swap in: atomic renames, then stale removals, then the ownership manifest last.
    await ensureDir(outdir);
    for (const p of toWrite) {
      await ensureDir(dirname(join(outdir, p)));
      await rename(join(staging, p), join(outdir, p));
    }
    const removed: string[] = [];
    const keptEdited: string[] = [];
    for (const p of stale) {
      checkRelativePath(p);
      const current = await readOptional(join(outdir, p));
      if (current === undefined) continue;
      if (sha256(current) === ownedBefore.get(p)) {
        await unlink(join(outdir, p));
        removed.push(p);
        await rmdir(dirname(join(outdir, p))).catch(() => undefined); // only succeeds when empty
      } else {
        keptEdited.push(p);
      }
    }
    const ownership = renderOwnership(files);
    const ownershipPath = join(outdir, OWNERSHIP_FILE);
    if ((await readOptional(ownershipPath))?.toString('utf8') !== ownership) {
      await writeFile(join(staging, OWNERSHIP_FILE), ownership);
      await rename(join(staging, OWNERSHIP_FILE), ownershipPath);
    }
    return { outdir, written: toWrite, unchanged, removed, keptEdited };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface CleanReport {
  readonly outdir: string;
  /** Owned files removed. */
  readonly removed: readonly string[];
  /** Owned files kept because they were edited since synth wrote them. */
  readonly keptEdited: readonly string[];
}

/**
 * Removes what synth wrote earlier (per `.meshtrace-owned`, and only files still holding what it
 * wrote), then the ownership file and any folder left empty. Anything else in `outdir` stays.
 */
export async function cleanOutput(outdirInput: string): Promise<CleanReport> {
  const outdir = resolve(outdirInput);
  const ownershipPath = join(outdir, OWNERSHIP_FILE);
  const owned = parseOwnership((await readOptional(ownershipPath))?.toString('utf8') ?? '');
  const removed: string[] = [];
  const keptEdited: string[] = [];
  for (const [p, hash] of owned) {
    checkRelativePath(p);
    const current = await readOptional(join(outdir, p));
    if (current === undefined) continue;
    if (sha256(current) === hash) {
      await unlink(join(outdir, p));
      removed.push(p);
      await rmdir(dirname(join(outdir, p))).catch(() => undefined);
    } else {
      keptEdited.push(p);
    }
  }
  await unlink(ownershipPath).catch(() => undefined);
  await rmdir(outdir).catch(() => undefined); // only when nothing else is left
  return { outdir, removed, keptEdited };
}

/** Lists files of a folder recursively (relative POSIX paths, sorted). Used by tests and the benchmark. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(p);
      else out.push(p);
    }
  };
  await walk('');
  return out.sort();
}
