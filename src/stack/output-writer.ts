/**
 * The output writer: puts synth's files into the output folder so that a failure, or a SIGKILL, at
 * any point leaves the old tree or the new one — never a mix. `cdk8s synth` wipes its whole output
 * folder (user files included) and `App.synth()` never removes stale files; neither is atomic.
 *
 * Two protocols; the first whenever it can hold:
 * - **swap** (output-tree-swap.ts): the complete new tree — synth's files, the ownership manifest,
 *   and every entry of the old tree synth keeps (the user's own files, edited stale files; hard
 *   links, so bytes, inodes and mtimes stay) — is staged beside the output folder in its real parent
 *   and swapped in by two renames (dist → `.dist.meshtrace-old-*`, stage → dist). A kill leaves the
 *   old tree, the new one, or — for the instant between the two renames — no `dist/` and the
 *   complete stage beside it, which the next run renames in. Recovery needs no journal: the hidden
 *   names say what to do.
 * - **per file** (output-journal.ts), only where a swap cannot hold: the output folder is a symlink
 *   or a mount point, a folder synth writes through is a symlink (e.g. `dist/install` → another
 *   disk: a swap would replace the link and leave the files behind it old) or another filesystem's
 *   mount point, the current folder is inside the output folder (a rename would leave this process,
 *   and the user's shell, in a deleted folder), or the swap's first rename is refused (EXDEV, EBUSY,
 *   EPERM, EACCES). Each file is staged inside the real folder it goes to and renamed in under a
 *   journal; a kill inside its commit window leaves a mix until the next run completes it. The report
 *   (and the CLI) says which protocol ran and why.
 * Both start the same way: lock (`.<outdir>.meshtrace-journal` beside the output folder, created
 * exclusively; a dead writer's journal and swap leftovers are recovered first), then a plan that only
 * reads: new, replaced (owned by an earlier synth), unchanged (byte-identical), stale (owned, no longer
 * produced: removed if unedited, kept if edited), collisions (not ours → stop). Nothing to do → no
 * write at all (no mtime moves). Protects against process death, not power loss: nothing is fsynced.
 *
 * The per-file protocol, step by step:
 * 1. Lock as above.
 * 2. Plan as above.
 * 3. Stage: the journal is rewritten (atomically: temp file + rename) to list the stage folders,
 *    then each file is written into `.meshtrace-stage-<id>/new/` INSIDE the real (realpath) folder
 *    it goes to, so every later rename stays within one folder and cannot cross filesystems (EXDEV)
 *    even when e.g. `dist/install` is a symlink to another disk. A folder that does not exist yet is
 *    staged whole inside its nearest existing ancestor, and moved in by one rename. A file about to
 *    be replaced gets a hard link in `…/old/` (a copy if the filesystem has no hard links).
 * 4. COMMIT POINT: the journal is rewritten with state `committed` and the list of ops.
 * 5. Swap: only renames — staged file → target (atomic replace: a reader sees the old file or the new
 *    one), stale file → `…/old/`, the ownership manifest last.
 * 6. Clean up: delete the stage folders (backups and removed files with them), remove folders the
 *    swap emptied, delete the journal (the lock).
 * An error before 4 deletes the stage: the output folder was never touched. An error in 5 rewrites
 * the journal to `rolling-back` and undoes the applied renames. An error in 6 is a warning. A SIGKILL
 * before 4 leaves the old tree plus hidden `.meshtrace-stage-*` folders; one inside 5 or 6 leaves a
 * MIX until the next `meshtrace synth` (or `check`, or `synth --clean`) completes it from the journal.
 */
import { createHash, randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import type { OutputFile } from './build-stack';
import {
  abandonJournal,
  acquireJournal,
  applyBackward,
  applyFresh,
  JournalBusyError,
  journalPathFor,
  pruneEmpty,
  RecoveryError,
  releaseJournal,
  removeStages,
  rewriteJournal,
  STAGE_PREFIX,
  stageDirIn,
  type HeldJournal,
  type JournalOp,
  type Recovery,
} from './output-journal';
import {
  buildStage,
  changedSincePlan,
  keptName,
  newSwapId,
  parseSwapEntries,
  planTreeStage,
  recoverSwap,
  swapName,
  SwapNotPossible,
  type CopiedFrom,
  type OldEntry,
  type TreeStage,
} from './output-tree-swap';
import { errnoCode, nodeWriterFs, type WriterFs } from './writer-fs';

export type { Recovery } from './output-journal';
export type { WriterFs } from './writer-fs';

/** Ownership manifest: one `<sha256>  <path>` line per file the kit wrote. No .yaml/.json extension: kubectl skips it. */
export const OWNERSHIP_FILE = '.meshtrace-owned';

/** How a write put its files in place: `swap` (two renames of whole trees) or `per file` (renames under a journal). */
export type WriteProtocol = 'swap' | 'per file';

/** What the output folder holds after a failed write. */
export type FailedWriteState = 'unchanged' | 'rolled back' | 'pending recovery';

export class OutputWriteError extends Error {
  constructor(
    message: string,
    readonly state: FailedWriteState = 'unchanged',
  ) {
    super(message);
    this.name = 'OutputWriteError';
  }
}

export interface WriteOptions {
  /** Filesystem calls (tests wrap them to fail at every step). @default node:fs/promises */
  readonly fs?: WriterFs;
  /** Write into a non-empty folder without an ownership manifest. Same-named files are still never overwritten. @default false */
  readonly takeOver?: boolean;
  /** @default () => new Date() */
  readonly now?: () => Date;
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
  /** False when nothing in the folder was touched. */
  readonly changed: boolean;
  /** An earlier write this run found interrupted and finished first. */
  readonly recovered?: Recovery;
  /** Leftovers this run could not remove (the next run does). */
  readonly warnings: readonly string[];
  /** How the files were put in place (undefined when nothing changed). */
  readonly protocol?: WriteProtocol;
  /** Why the per-file protocol ran instead of a swap. */
  readonly perFileReason?: string;
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * `mkdir -p` that cannot hang: Node's `mkdir({ recursive: true })` loops forever under /proc
 * (measured on Node 20: `mkdir('/proc/x', { recursive: true })` never settles). Creates missing
 * folders one level at a time and turns failures into an OutputWriteError naming the folder.
 */
export async function ensureDir(dir: string, fs: WriterFs = nodeWriterFs): Promise<void> {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    try {
      const info = await fs.stat(current);
      if (!info.isDirectory())
        throw new OutputWriteError(`${current} is not a folder; allowed: --outdir inside a folder you can write to (nothing was changed)`);
      break;
    } catch (err) {
      if (err instanceof OutputWriteError) throw err;
      if (errnoCode(err) !== 'ENOENT') throw new OutputWriteError(`cannot use ${current} (${describe(err)}); nothing was changed`);
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const folder of missing) {
    try {
      await fs.mkdir(folder);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') continue;
      throw new OutputWriteError(
        `cannot create ${folder} (${errnoCode(err) ?? describe(err)}); allowed: --outdir inside a folder you can write to (nothing was changed)`,
      );
    }
  }
}

function checkRelativePath(path: string): void {
  const normal = normalize(path);
  if (
    isAbsolute(path) ||
    normal.startsWith('..') ||
    normal.split(sep).includes('..') ||
    path === '' ||
    path.includes('\\') ||
    path.split('/').some((c) => c.startsWith('.meshtrace'))
  ) {
    throw new OutputWriteError(
      `output file name ${JSON.stringify(path)} is not allowed; allowed: a relative path inside the output folder`,
    );
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

/** Everything a write will do, decided before anything is touched. */
interface Plan {
  readonly written: string[];
  readonly unchanged: string[];
  readonly removed: string[];
  readonly keptEdited: string[];
  readonly stages: string[];
  /** Folders to create inside the stages, parents first. */
  readonly mkdirs: string[];
  readonly stagedFiles: { readonly path: string; readonly content: string }[];
  /** The files to write, by path relative to the output folder (the manifest included): what a swap stages. */
  readonly writes: { readonly rel: string; readonly content: string }[];
  readonly backups: { readonly from: string; readonly to: string }[];
  readonly ops: JournalOp[];
  readonly prune: string[];
}

const emptyPlan = (): Plan => ({
  written: [],
  unchanged: [],
  removed: [],
  keptEdited: [],
  stages: [],
  mkdirs: [],
  stagedFiles: [],
  writes: [],
  backups: [],
  ops: [],
  prune: [],
});

type ResolvedDir =
  | { readonly kind: 'real'; readonly dir: string }
  | { readonly kind: 'missing'; readonly realParent: string; readonly top: string; readonly rest: readonly string[] };

class Planner {
  readonly plan = emptyPlan();
  private readonly stageOf = new Map<string, string>();
  private readonly made = new Set<string>();
  private readonly putDirs = new Set<string>();
  private readonly targets = new Set<string>();
  private readonly dirCache = new Map<string, ResolvedDir>();

  constructor(
    private readonly fs: WriterFs,
    private readonly outdir: string,
    private readonly realOut: string,
    private readonly id: string,
  ) {}

  private mkdirInStage(dir: string, stage: string): void {
    if (this.made.has(dir)) return;
    if (dir !== stage) this.mkdirInStage(dirname(dir), stage);
    this.made.add(dir);
    this.plan.mkdirs.push(dir);
  }

  /** The stage folder inside `realDir` (created on first use). */
  stage(realDir: string): string {
    let stage = this.stageOf.get(realDir);
    if (stage === undefined) {
      stage = stageDirIn(realDir, this.id);
      this.stageOf.set(realDir, stage);
      this.plan.stages.push(stage);
      this.mkdirInStage(join(stage, 'new'), stage);
      this.mkdirInStage(join(stage, 'old'), stage);
    }
    return stage;
  }

  /** Follows a relative folder of the output to its real folder, or to where it starts to be missing. */
  async resolveDir(rel: string): Promise<ResolvedDir> {
    const cached = this.dirCache.get(rel);
    if (cached) return cached;
    const parts = rel === '.' ? [] : rel.split('/');
    let current = this.realOut;
    let result: ResolvedDir | undefined;
    for (let i = 0; i < parts.length && !result; i++) {
      const next = join(current, parts[i]!);
      const info = await this.fs.stat(next).catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)));
      if (info === undefined) {
        result = { kind: 'missing', realParent: current, top: parts[i]!, rest: parts.slice(i + 1) };
      } else if (!info.isDirectory()) {
        throw new OutputWriteError(
          `${join(this.outdir, ...parts.slice(0, i + 1))} is a file, but synth writes a folder there; move it away (nothing was changed)`,
        );
      } else {
        current = await this.fs.realpath(next);
      }
    }
    result ??= { kind: 'real', dir: current };
    this.dirCache.set(rel, result);
    return result;
  }

  private claim(target: string, path: string): void {
    if (this.targets.has(target))
      throw new OutputWriteError(
        `two output files end up as the same file ${target} (through a symlink in ${this.outdir}), one of them ${path}; nothing was changed`,
      );
    this.targets.add(target);
  }

  /** A file whose folder is missing: staged inside the whole new subtree, which one rename moves in. */
  stageIntoMissing(dir: Extract<ResolvedDir, { kind: 'missing' }>, name: string, content: string): void {
    const stage = this.stage(dir.realParent);
    const top = join(stage, 'new', dir.top);
    const folder = join(top, ...dir.rest);
    this.mkdirInStage(folder, stage);
    this.plan.stagedFiles.push({ path: join(folder, name), content });
    const to = join(dir.realParent, dir.top);
    if (!this.putDirs.has(to)) {
      this.putDirs.add(to);
      this.plan.ops.push({ kind: 'put', from: top, to });
    }
  }

  /** A file into an existing real folder: new, or replacing `current` (kept as a backup link). */
  stageFile(realDir: string, name: string, content: string, replaces: boolean, path: string): void {
    const stage = this.stage(realDir);
    const to = join(realDir, name);
    this.claim(to, path);
    const from = join(stage, 'new', name);
    this.plan.stagedFiles.push({ path: from, content });
    if (replaces) {
      const backup = join(stage, 'old', name);
      this.plan.backups.push({ from: to, to: backup });
      this.plan.ops.push({ kind: 'put', from, to, backup });
    } else {
      this.plan.ops.push({ kind: 'put', from, to });
    }
  }

  removeFile(realDir: string, name: string): void {
    const stage = this.stage(realDir);
    this.plan.ops.push({ kind: 'remove', path: join(realDir, name), trash: join(stage, 'old', name) });
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      return await this.fs.readFile(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      if (errnoCode(err) === 'EISDIR')
        throw new OutputWriteError(`${path} is a folder, but synth writes a file there; move it away (nothing was changed)`);
      throw err;
    }
  }
}

/** Refuses folders no synth should ever fill: `/` and the home folder (a typo away from disaster). */
function refuseDangerous(resolved: string, real: string | undefined, home: readonly string[]): void {
  for (const dir of [resolved, real]) {
    if (dir === '/')
      throw new OutputWriteError(`--outdir ${resolved} is the root folder; allowed: a folder of its own, e.g. dist/ (nothing was changed)`);
    if (dir !== undefined && home.includes(dir))
      throw new OutputWriteError(
        `--outdir ${resolved} is your home folder; allowed: a folder of its own, e.g. ~/meshtrace-dist (nothing was changed)`,
      );
  }
}

interface Context {
  readonly fs: WriterFs;
  readonly outdir: string;
  readonly realParent: string;
  readonly realOut: string | undefined;
}

async function planWrite(ctx: Context, files: readonly OutputFile[], id: string, takeOver: boolean): Promise<Plan> {
  const { fs, outdir, realParent, realOut } = ctx;
  const ownership = renderOwnership(files);
  if (realOut === undefined) {
    // A new output folder: staged whole beside it, one rename makes it appear complete.
    const planner = new Planner(fs, outdir, realParent, id);
    const missing = { kind: 'missing', realParent, top: basename(outdir), rest: [] } as const;
    for (const f of files) {
      const parts = f.path.split('/');
      planner.stageIntoMissing({ ...missing, rest: parts.slice(0, -1) }, parts[parts.length - 1]!, f.content);
      planner.plan.written.push(f.path);
      planner.plan.writes.push({ rel: f.path, content: f.content });
    }
    planner.stageIntoMissing(missing, OWNERSHIP_FILE, ownership);
    planner.plan.writes.push({ rel: OWNERSHIP_FILE, content: ownership });
    return planner.plan;
  }
  const planner = new Planner(fs, outdir, realOut, id);
  const { plan } = planner;
  const manifest = await planner.read(join(realOut, OWNERSHIP_FILE));
  const ownedBefore = parseOwnership(manifest?.toString('utf8') ?? '');
  const collisions: string[] = [];
  const produced = new Set(files.map((f) => f.path));
  for (const f of files) {
    const dir = await planner.resolveDir(dirname(f.path));
    const name = basename(f.path);
    if (dir.kind === 'missing') {
      planner.stageIntoMissing(dir, name, f.content);
      plan.written.push(f.path);
      plan.writes.push({ rel: f.path, content: f.content });
      continue;
    }
    const current = await planner.read(join(dir.dir, name));
    if (current !== undefined && current.equals(Buffer.from(f.content))) plan.unchanged.push(f.path);
    else if (current !== undefined && !ownedBefore.has(f.path)) collisions.push(f.path);
    else {
      planner.stageFile(dir.dir, name, f.content, current !== undefined, f.path);
      plan.written.push(f.path);
      plan.writes.push({ rel: f.path, content: f.content });
    }
  }
  if (manifest === undefined && !takeOver && plan.unchanged.length === 0) {
    const entries = (await fs.readdir(realOut)).map((e) => e.name).sort();
    if (entries.length > 0) {
      throw new OutputWriteError(
        `${outdir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? `, … ${entries.length} entries` : ''}) and has no ${OWNERSHIP_FILE}: meshtrace did not write it. ` +
          'Allowed: an empty or new folder, one an earlier synth wrote, or --force-outdir to take this one over (files of the same name are still never overwritten). Nothing was changed',
      );
    }
  }
  if (collisions.length > 0) {
    throw new OutputWriteError(
      `${outdir}: ${collisions.join(', ')} exist${collisions.length === 1 ? 's' : ''} but ${collisions.length === 1 ? 'was' : 'were'} not written by meshtrace; ` +
        'move them away or choose another --outdir (nothing was changed)',
    );
  }
  await planStale(
    planner,
    [...ownedBefore].filter(([p]) => !produced.has(p)),
    outdir,
  );
  if (plan.ops.length > 0 || manifest?.toString('utf8') !== ownership) {
    planner.stageFile(realOut, OWNERSHIP_FILE, ownership, manifest !== undefined, OWNERSHIP_FILE);
    plan.writes.push({ rel: OWNERSHIP_FILE, content: ownership });
  }
  return plan;
}

/** Stale owned files: removed when unedited (their folders pruned if left empty), kept when edited. */
async function planStale(planner: Planner, stale: readonly (readonly [string, string])[], outdir: string): Promise<void> {
  const prune = new Set<string>();
  for (const [p, hash] of stale) {
    checkRelativePath(p);
    const dir = await planner.resolveDir(dirname(p));
    if (dir.kind === 'missing') continue;
    const current = await planner.read(join(dir.dir, basename(p)));
    if (current === undefined) continue;
    if (sha256(current) !== hash) {
      planner.plan.keptEdited.push(p);
      continue;
    }
    planner.removeFile(dir.dir, basename(p));
    planner.plan.removed.push(p);
    // Logical paths: a symlinked folder is never removed through its link.
    for (let d = dirname(p); d !== '.'; d = dirname(d)) prune.add(join(outdir, d));
  }
  planner.plan.prune.push(...[...prune].sort((a, b) => b.length - a.length));
}

async function realOrUndefined(fs: WriterFs, path: string): Promise<string | undefined> {
  const info = await fs.lstat(path).catch((err) => (errnoCode(err) === 'ENOENT' ? undefined : Promise.reject(err)));
  if (info === undefined) return undefined;
  const target = await fs.stat(path).catch((err) => {
    if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ELOOP') throw err;
    throw new OutputWriteError(
      `${path} is a symlink to a missing folder (${errnoCode(err)}); allowed: --outdir naming a folder (nothing was changed)`,
    );
  });
  if (!target.isDirectory())
    throw new OutputWriteError(`${path} is a file, not a folder; allowed: --outdir naming a folder (nothing was changed)`);
  return fs.realpath(path);
}

async function homeFolders(fs: WriterFs): Promise<string[]> {
  const home = resolve(homedir());
  return [home, await fs.realpath(home).catch(() => home)];
}

/** Locks, recovers an interrupted write, and runs `body`; the lock is released (or left for recovery) by `transact`. */
async function withJournal<T>(
  outdirInput: string,
  options: WriteOptions,
  body: (ctx: Context, held: HeldJournal) => Promise<T>,
): Promise<T> {
  const fs = options.fs ?? nodeWriterFs;
  const outdir = resolve(outdirInput);
  let realParent: string;
  let held: HeldJournal;
  try {
    refuseDangerous(outdir, undefined, await homeFolders(fs));
    const parent = dirname(outdir);
    await ensureDir(parent, fs);
    realParent = await fs.realpath(parent);
    held = await acquireJournal(fs, realParent, outdir, options.now ?? (() => new Date()));
  } catch (err) {
    if (err instanceof OutputWriteError) throw err;
    if (err instanceof JournalBusyError) throw new OutputWriteError(`${err.message} (nothing was changed)`);
    if (err instanceof RecoveryError) {
      throw new OutputWriteError(
        `cannot write ${outdir}: finishing an interrupted write failed (${describe(err.cause)}); the journal ${err.journal} stays: the next \`meshtrace synth\` (or \`meshtrace check\`) tries again`,
        'pending recovery',
      );
    }
    throw new OutputWriteError(`cannot write ${outdir}: ${describe(err)}; nothing there was changed`);
  }
  let names: string[];
  try {
    names = (await fs.readdir(realParent)).map((e) => e.name);
  } catch (err) {
    await releaseQuietly(fs, held);
    throw new OutputWriteError(`cannot write ${outdir}: ${describe(err)}; nothing there was changed`);
  }
  try {
    // An interrupted swap is finished from its hidden names alone (whether or not its lock survived).
    held.recovered = (await recoverSwap(fs, realParent, basename(outdir), names)) ?? held.recovered;
  } catch (err) {
    await releaseQuietly(fs, held);
    throw new OutputWriteError(
      `cannot write ${outdir}: finishing an interrupted write failed (${describe(err)}); its hidden folders .${basename(outdir)}.meshtrace-* beside it stay: the next \`meshtrace synth\` (or \`meshtrace check\`) tries again`,
      'pending recovery',
    );
  }
  return body({ fs, outdir, realParent, realOut: undefined }, held);
}

/** Runs a planned write through stage → commit → swap → clean up; see the protocol above. */
async function transact(ctx: Context, held: HeldJournal, plan: Plan): Promise<string[]> {
  const { fs } = ctx;
  let phase: 'staging' | 'committed' = 'staging';
  try {
    held.journal = { ...held.journal, stages: plan.stages };
    await rewriteJournal(fs, held.path, held.journal);
    for (const dir of plan.mkdirs) await fs.mkdir(dir);
    for (const f of plan.stagedFiles) await fs.writeFile(f.path, f.content);
    for (const b of plan.backups) {
      await fs.link(b.from, b.to).catch((err) => {
        // No hard links here (some FUSE/vfat/network filesystems): a copy keeps the bytes, not the inode.
        if (['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS', 'EXDEV'].includes(errnoCode(err) ?? ''))
          return fs.copyFile(b.from, b.to);
        throw err;
      });
    }
    held.journal = { ...held.journal, state: 'committed', ops: plan.ops, prune: plan.prune };
    await rewriteJournal(fs, held.path, held.journal); // the commit point
    phase = 'committed';
    await applyFresh(fs, plan.ops);
  } catch (err) {
    throw await undo(ctx, held, phase, err);
  }
  const warnings: string[] = [];
  try {
    await removeStages(fs, held.journal);
    await pruneEmpty(fs, plan.prune);
    await releaseJournal(fs, held);
  } catch (err) {
    abandonJournal(held);
    warnings.push(
      `the new files are in place, but cleaning up failed (${describe(err)}); the next run removes ${held.path} and the .meshtrace-stage-* folders it lists`,
    );
  }
  return warnings;
}

/** Undoes a failed write and returns the error that says truthfully what the output folder now holds. */
async function undo(ctx: Context, held: HeldJournal, phase: 'staging' | 'committed', err: unknown): Promise<OutputWriteError> {
  const { fs, outdir } = ctx;
  const what = `cannot write ${outdir}: ${describe(err)}`;
  if (phase === 'staging') {
    try {
      await removeStages(fs, held.journal);
      await releaseJournal(fs, held);
      return new OutputWriteError(`${what}; nothing there was changed`, 'unchanged');
    } catch (cleanupErr) {
      abandonJournal(held);
      return new OutputWriteError(
        `${what}; nothing there was changed, but removing the staged files failed too (${describe(cleanupErr)}): the next run removes them (journal ${held.path})`,
        'unchanged',
      );
    }
  }
  let rollingBack = false;
  try {
    held.journal = { ...held.journal, state: 'rolling-back' };
    await rewriteJournal(fs, held.path, held.journal);
    rollingBack = true;
    await applyBackward(fs, held.journal.ops);
  } catch (rollbackErr) {
    abandonJournal(held);
    return new OutputWriteError(
      `${what} while swapping in the new files, and the rollback failed too (${describe(rollbackErr)}); ${outdir} holds part old, part new files until the next ` +
        `\`meshtrace synth\` (or \`meshtrace check\`) ${rollingBack ? 'finishes the rollback' : 'completes the write'} from the journal ${held.path}`,
      'pending recovery',
    );
  }
  try {
    await removeStages(fs, held.journal);
    await releaseJournal(fs, held);
  } catch (cleanupErr) {
    abandonJournal(held);
    return new OutputWriteError(
      `${what} while swapping in the new files; rolled back: ${outdir} is as it was (leftovers stay for the next run: ${describe(cleanupErr)})`,
      'rolled back',
    );
  }
  return new OutputWriteError(`${what} while swapping in the new files; rolled back: ${outdir} is as it was`, 'rolled back');
}

/** The swap cannot hold here; `reason` says why (for the report). Nothing was changed. */
class SwapFallback extends Error {}

/** Errors of the swap's first rename that mean "not here" (a mount point, a sticky folder, …), not "failed": nothing changed, fall back. */
const SWAP_REFUSED = ['EXDEV', 'EBUSY', 'EPERM', 'EACCES', 'EINVAL'];

/**
 * Reads the old tree for a swap (lstat, never through a symlink), or says why a swap cannot hold.
 * `kitDirs`: the folders synth writes into or removes from (relative); a symlink there means the
 * files live elsewhere, and swapping the folder would replace the link but not them.
 */
async function readOldTree(
  ctx: Context,
  kitDirs: ReadonlySet<string>,
): Promise<{ readonly entries: OldEntry[]; readonly rootMode?: number } | { readonly blocker: string }> {
  const { fs, outdir, realParent, realOut } = ctx;
  if (realOut === undefined) return { entries: [] };
  const link = await fs.lstat(outdir);
  if (link.isSymbolicLink()) return { blocker: `${outdir} is a symlink (a swap would replace the link)` };
  const [root, parent] = [await fs.lstat(realOut), await fs.lstat(realParent)];
  if (root.dev !== parent.dev) return { blocker: `${outdir} is a mount point (another filesystem than its parent)` };
  const cwd = await fs.realpath(process.cwd()).catch(() => process.cwd());
  if (cwd === realOut || cwd.startsWith(`${realOut}${sep}`))
    return { blocker: `the current folder ${cwd} is inside ${outdir} (a swap would leave it a deleted folder)` };
  const entries: OldEntry[] = [];
  const walk = async (rel: string): Promise<string | undefined> => {
    for (const entry of (await fs.readdir(join(realOut, rel))).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith(STAGE_PREFIX)) continue; // a per-file stage left over: the kit's, never kept
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        const info = await fs.lstat(join(realOut, childRel));
        if (info.dev !== root.dev) return `${join(outdir, childRel)} is a mount point (another filesystem)`;
        entries.push({ rel: childRel, isDir: true, mode: info.mode });
        const blocked = await walk(childRel);
        if (blocked) return blocked;
      } else {
        if (entry.isSymbolicLink() && kitDirs.has(childRel))
          return `${join(outdir, childRel)} is a symlink synth writes through (a swap would replace the link, not the files behind it)`;
        entries.push({ rel: childRel, isDir: false, mode: 0 });
      }
    }
    return undefined;
  };
  const blocker = await walk('');
  return blocker === undefined ? { entries, rootMode: root.mode } : { blocker };
}

/** Every folder (relative) on the way to these file paths. */
function foldersOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) for (let d = dirname(p); d !== '.'; d = dirname(d)) dirs.add(d);
  return dirs;
}

/**
 * Swaps the complete new tree in (protocol: output-tree-swap.ts). Returns the warnings (leftovers the
 * next run removes); throws an OutputWriteError saying what the folder holds, or SwapFallback when a
 * swap turns out impossible before anything changed.
 */
async function swapIn(ctx: Context, stage: TreeStage, planned: readonly OldEntry[], id: string): Promise<string[]> {
  const { fs, outdir, realParent, realOut } = ctx;
  const name = basename(outdir);
  const target = join(realParent, name);
  const [next, ready, old] = (['next', 'ready', 'old'] as const).map((k) => join(realParent, swapName(name, k, id))) as [
    string,
    string,
    string,
  ];
  const hasOld = realOut !== undefined;
  const what = (err: unknown) => `cannot write ${outdir}: ${describe(err)}`;
  const discardStage = async (err: unknown, fallback: boolean): Promise<Error> => {
    try {
      await fs.rmTree(next);
      await fs.rmTree(ready);
    } catch (cleanupErr) {
      return new OutputWriteError(
        `${what(err)}; nothing there was changed, but removing the staged tree failed too (${describe(cleanupErr)}): the next run removes ${next} / ${ready}`,
        'unchanged',
      );
    }
    if (fallback) return new SwapFallback(err instanceof SwapNotPossible ? err.message : `${outdir} cannot be renamed (${errnoCode(err)})`);
    return new OutputWriteError(`${what(err)}; nothing there was changed`, 'unchanged');
  };
  let step: 'stage' | 'rename old away' = 'stage';
  let copied: CopiedFrom = new Map();
  try {
    if (stage.dirs.length > 0) {
      copied = await buildStage(fs, realOut, next, stage);
      await fs.rename(next, ready); // complete: only now may a later run rename it in
    }
    step = 'rename old away';
    if (hasOld) await fs.rename(target, old);
  } catch (err) {
    throw await discardStage(
      err,
      err instanceof SwapNotPossible || (step === 'rename old away' && SWAP_REFUSED.includes(errnoCode(err) ?? '')),
    );
  }
  // The instant with no output folder: between these two renames (the next run completes it).
  if (stage.dirs.length > 0) {
    try {
      await fs.rename(ready, target);
    } catch (err) {
      if (!hasOld) throw await discardStage(err, false);
      try {
        await fs.rename(old, target);
      } catch (rollbackErr) {
        throw new OutputWriteError(
          `${what(err)} while swapping in the new tree, and renaming the old one back failed too (${describe(rollbackErr)}); ${outdir} is missing until the next ` +
            `\`meshtrace synth\` (or \`meshtrace check\`) completes the write: it renames the complete new tree ${ready} in (the old one is ${old})`,
          'pending recovery',
        );
      }
      const leftover = await fs.rmTree(ready).then(
        () => '',
        (cleanupErr: unknown) => ` (the staged tree ${ready} stays for the next run: ${describe(cleanupErr)})`,
      );
      throw new OutputWriteError(
        `${what(err)} while swapping in the new tree; rolled back: ${outdir} is as it was${leftover}`,
        'rolled back',
      );
    }
  }
  if (!hasOld) return [];
  return settleOldTree(ctx, { old, target, planned, stage, copied, id });
}

/**
 * After the swap: the old tree is deleted, or kept (as `.<name>.meshtrace-kept-<id>`) when files in it changed
 * while the stage was built, so an edit made meanwhile is never lost. Returns the warnings.
 */
async function settleOldTree(
  ctx: Context,
  swap: { old: string; target: string; planned: readonly OldEntry[]; stage: TreeStage; copied: CopiedFrom; id: string },
): Promise<string[]> {
  const { fs, outdir, realParent } = ctx;
  const { old, target, planned, stage, copied, id } = swap;
  const name = basename(outdir);
  let changed: string[];
  try {
    changed = await changedSincePlan(fs, old, target, planned, stage.links, copied);
  } catch (err) {
    return [
      `the new files are in place, but checking the old tree ${old} for files changed meanwhile failed (${describe(err)}); the next run removes it`,
    ];
  }
  if (changed.length > 0) {
    const kept = join(realParent, keptName(name, id));
    const list = `${changed.slice(0, 3).join(', ')}${changed.length > 3 ? `, … ${changed.length} in all` : ''}`;
    return fs.rename(old, kept).then(
      () => [
        `${outdir} changed while synth wrote it (${list}): those changes are not in the new tree, so the old tree is kept at ${kept}; move back what you need, then delete it`,
      ],
      (err: unknown) => [
        `${outdir} changed while synth wrote it (${list}), and keeping the old tree failed (${describe(err)}): copy what you need out of ${old} before the next run removes it`,
      ],
    );
  }
  return fs.rmTree(old).then(
    () => [],
    (err: unknown) => [`the new files are in place, but removing the old tree ${old} failed (${describe(err)}); the next run removes it`],
  );
}

/** The plan's writes as a tree stage: what the output folder will hold, from what it holds now. */
function treeStageFor(
  ctx: Context,
  plan: Plan,
  old: { readonly entries: OldEntry[]; readonly rootMode?: number },
  removedToo: readonly string[] = [],
): TreeStage {
  const prune = plan.prune.map((abs) => (abs === ctx.outdir ? '' : relative(ctx.outdir, abs).split(sep).join('/')));
  return planTreeStage(old.entries, plan.writes, new Set([...plan.removed, ...removedToo]), prune, old.rootMode);
}

interface Committed {
  readonly warnings: string[];
  readonly protocol: WriteProtocol;
  readonly perFileReason?: string;
}

/** Puts a planned write in place: a swap where one can hold, else the per-file protocol (see the top). Releases the lock. */
async function commit(
  ctx: Context,
  held: HeldJournal,
  plan: Plan,
  now: () => Date,
  removedToo: readonly string[] = [],
): Promise<Committed> {
  let reason: string;
  try {
    const old = await readOldTree(ctx, foldersOf([...plan.written, ...plan.unchanged, ...plan.removed, ...plan.keptEdited]));
    if ('blocker' in old) reason = old.blocker;
    else {
      const warnings = await swapIn(ctx, treeStageFor(ctx, plan, old, removedToo), old.entries, newSwapId(now()));
      return { warnings: [...warnings, ...(await releaseQuietly(ctx.fs, held))], protocol: 'swap' };
    }
  } catch (err) {
    if (!(err instanceof SwapFallback)) {
      await releaseQuietly(ctx.fs, held);
      if (err instanceof OutputWriteError) throw err;
      throw new OutputWriteError(`cannot write ${ctx.outdir}: ${describe(err)}; nothing there was changed`);
    }
    reason = err.message;
  }
  return { warnings: await transact(ctx, held, plan), protocol: 'per file', perFileReason: reason };
}

/** Releases the lock after a plan that changes nothing, or after a planning error; never hides the first error. */
async function releaseQuietly(fs: WriterFs, held: HeldJournal): Promise<string[]> {
  try {
    await releaseJournal(fs, held);
    return [];
  } catch (err) {
    abandonJournal(held);
    return [`could not remove the lock ${held.path} (${describe(err)}); the next run removes it`];
  }
}

export async function writeOutput(outdirInput: string, files: readonly OutputFile[], options: WriteOptions = {}): Promise<WriteReport> {
  const paths = new Set<string>();
  for (const f of files) {
    checkRelativePath(f.path);
    if (paths.has(f.path)) throw new OutputWriteError(`two output files are both named ${f.path}`);
    paths.add(f.path);
  }
  return withJournal(outdirInput, options, async (base, held) => {
    let ctx = base;
    let plan: Plan;
    try {
      ctx = { ...base, realOut: await realOrUndefined(base.fs, base.outdir) };
      refuseDangerous(ctx.outdir, ctx.realOut, await homeFolders(ctx.fs));
      plan = await planWrite(ctx, files, `${process.pid}-${randomBytes(4).toString('hex')}`, options.takeOver ?? false);
    } catch (err) {
      await releaseQuietly(ctx.fs, held);
      if (err instanceof OutputWriteError) throw err;
      throw new OutputWriteError(`cannot write ${ctx.outdir}: ${describe(err)}; nothing there was changed`);
    }
    const report = {
      outdir: ctx.outdir,
      written: plan.written,
      unchanged: plan.unchanged,
      removed: plan.removed,
      keptEdited: plan.keptEdited,
      recovered: held.recovered,
    };
    if (plan.ops.length === 0) return { ...report, changed: false, warnings: await releaseQuietly(ctx.fs, held) };
    return { ...report, changed: true, ...(await commit(ctx, held, plan, options.now ?? (() => new Date()))) };
  });
}

export interface CleanReport {
  readonly outdir: string;
  /** Owned files removed. */
  readonly removed: readonly string[];
  /** Owned files kept because they were edited since synth wrote them. */
  readonly keptEdited: readonly string[];
  readonly recovered?: Recovery;
  readonly warnings: readonly string[];
  /** How the removal was done (undefined when there was nothing to remove). */
  readonly protocol?: WriteProtocol;
  /** Why the per-file protocol ran instead of a swap. */
  readonly perFileReason?: string;
}

/**
 * Removes what synth wrote earlier (per `.meshtrace-owned`, and only files still holding what it
 * wrote), then the ownership file and any folder left empty — through the same journal as a write,
 * so it too is all or nothing. Anything else in `outdir` stays.
 */
export async function cleanOutput(outdirInput: string, options: WriteOptions = {}): Promise<CleanReport> {
  const fs = options.fs ?? nodeWriterFs;
  const outdir = resolve(outdirInput);
  // A missing output folder may be a swap killed between its two renames: recover unless its parent is missing too.
  if ((await fs.lstat(dirname(outdir)).catch(() => undefined)) === undefined) return { outdir, removed: [], keptEdited: [], warnings: [] };
  return withJournal(outdirInput, options, async (base, held) => {
    let ctx = base;
    let planner: Planner;
    try {
      ctx = { ...base, realOut: await realOrUndefined(base.fs, base.outdir) };
      if (ctx.realOut === undefined)
        return { outdir, removed: [], keptEdited: [], recovered: held.recovered, warnings: await releaseQuietly(fs, held) };
      planner = new Planner(fs, outdir, ctx.realOut, `${process.pid}-${randomBytes(4).toString('hex')}`);
      const manifest = await planner.read(join(ctx.realOut, OWNERSHIP_FILE));
      if (manifest === undefined)
        return { outdir, removed: [], keptEdited: [], recovered: held.recovered, warnings: await releaseQuietly(fs, held) };
      await planStale(planner, [...parseOwnership(manifest.toString('utf8'))], outdir);
      planner.removeFile(ctx.realOut, OWNERSHIP_FILE);
      planner.plan.prune.push(outdir);
    } catch (err) {
      await releaseQuietly(fs, held);
      if (err instanceof OutputWriteError) throw err;
      throw new OutputWriteError(`cannot clean ${outdir}: ${describe(err)}; nothing there was changed`);
    }
    const done = await commit(ctx, held, planner.plan, options.now ?? (() => new Date()), [OWNERSHIP_FILE]);
    return { outdir, removed: planner.plan.removed, keptEdited: planner.plan.keptEdited, recovered: held.recovered, ...done };
  });
}

/**
 * Finishes or discards an interrupted write of `outdir` (what every write does first) and stops:
 * for `check`, and for tests. Undefined when there was nothing to recover.
 */
export async function recoverOutput(outdirInput: string, options: WriteOptions = {}): Promise<Recovery | undefined> {
  const fs = options.fs ?? nodeWriterFs;
  const outdir = resolve(outdirInput);
  if ((await fs.stat(dirname(outdir)).catch(() => undefined)) === undefined) return undefined;
  return withJournal(outdirInput, options, async (_ctx, held) => {
    await releaseQuietly(fs, held);
    return held.recovered;
  });
}

/** One line saying that the per-file protocol ran, why, and what a kill inside it would have left. */
export function describePerFile(reason: string): string {
  return `wrote file by file, not by swapping the whole folder, because ${reason}; a kill inside its commit window leaves part old, part new files until the next \`meshtrace synth\` (or \`meshtrace check\`) completes the write from its journal`;
}

/** One line saying what a run did about an earlier, interrupted write. */
export function describeRecovery(r: Recovery, outdir: string): string {
  const from = `an interrupted write from ${r.startedAt} (pid ${r.pid})`;
  const skipped = r.skipped > 0 ? `; ${r.skipped} staged file(s) had vanished meanwhile and were skipped` : '';
  switch (r.action) {
    case 'completed':
      return `completed ${from} in ${outdir}${skipped}`;
    case 'rolled back':
      return `finished rolling back ${from}: ${outdir} is as it was before it`;
    case 'discarded':
      return `removed the staged files of ${from}; it had not changed ${outdir}`;
    case 'cleaned':
      return `removed the leftovers of ${from}`;
  }
}

/** The journal, or a hidden swap folder, of an interrupted write of `outdir`, if one is there (without taking the lock). */
export async function interruptedWrite(outdirInput: string, fs: WriterFs = nodeWriterFs): Promise<string | undefined> {
  const outdir = resolve(outdirInput);
  const realParent = await fs.realpath(dirname(outdir)).catch(() => undefined);
  if (realParent === undefined) return undefined;
  const path = journalPathFor(realParent, basename(outdir));
  if (await fs.lstat(path).catch(() => undefined)) return path;
  const swap = parseSwapEntries(
    basename(outdir),
    (await fs.readdir(realParent).catch(() => [])).map((e) => e.name),
  );
  return swap.length > 0 ? join(realParent, swap[0]!.name) : undefined;
}

/** Lists files of a folder recursively (relative POSIX paths, sorted). Used by tests and the benchmark. */
export async function listFiles(dir: string, fs: WriterFs = nodeWriterFs): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await fs.readdir(join(dir, rel))) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(p);
      else out.push(p);
    }
  };
  await walk('');
  return out.sort();
}
